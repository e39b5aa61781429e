// Signing by key ID: SIGNET_KEYRING first, then the author's gpg keyring, signed by the real gpg. Each failure
// of that path (no gpg, no such key, an ambiguous ID, gpg failing, a wrong passphrase, a key terraform cannot
// use) is a clear message with the exit code of the CLI README, run through the CLI as a user runs it.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateKey, verifyShasumsSignature } from '@signet/core';
import { parseReleaseConfig } from '@signet/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseGpgSecretKeys, summarizeGpgStderr } from './gpg';
import { refOfReleaseConfig } from './signing-key';
import { runCli } from './testing/run-cli';

const HAS_GPG = spawnSync('gpg', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAS_GPG) console.warn('\n*** SKIPPED: gpg is not on the PATH; the gpg keyring tests did not run. ***\n');

const PASSPHRASE = 'seed tester passphrase';
// Each test runs gpg (and its agent) a few times: on a busy machine that is more than the unit default of 5 s.
const GPG_TIMEOUT = { timeout: 30_000 };
const SUMS_NAME = 'terraform-provider-hello_1.0.0_SHA256SUMS';
const SUMS = `${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n`;

let work: string;
let gnupgHome: string;
let dist: string;
const gpgKeys: Record<'plain' | 'locked' | 'weak', string> = { plain: '', locked: '', weak: '' };

const run = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: work, env: { CI: 'true', PATH: process.env.PATH ?? '', GNUPGHOME: gnupgHome, ...env } });

/** gpg in the test's own GNUPGHOME; returns the fingerprint of the key it made. */
function makeGpgKey(uid: string, algorithm: string, passphrase: string): string {
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  const made = spawnSync(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      passphrase,
      '--quick-gen-key',
      uid,
      algorithm,
      'sign',
      'never',
    ],
    { env, encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`gpg --quick-gen-key failed:\n${made.stderr}`);
  const listed = spawnSync('gpg', ['--batch', '--with-colons', '--list-secret-keys', uid], { env, encoding: 'utf8' });
  return parseGpgSecretKeys(listed.stdout)[0]!.fingerprint;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-signing-key-'));
  gnupgHome = join(work, 'gnupg');
  await mkdir(gnupgHome, { mode: 0o700 });
  dist = join(work, 'dist');
  await mkdir(dist);
  await writeFile(join(dist, SUMS_NAME), SUMS);
  if (!HAS_GPG) return;
  gpgKeys.plain = makeGpgKey('Plain Tester <plain@example.com>', 'ed25519', '');
  gpgKeys.locked = makeGpgKey('Locked Tester <locked@example.com>', 'ed25519', PASSPHRASE);
  gpgKeys.weak = makeGpgKey('Weak Tester <weak@example.com>', 'rsa1024', '');
}, 60_000);

afterAll(async () => {
  // Stop the agent this GNUPGHOME started, and only that one.
  if (HAS_GPG) spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupgHome } });
  await rm(work, { recursive: true, force: true });
});

describe('signet sign --key-id: what is accepted as a key ID', () => {
  it.each(['plain@example.com', '71567BD2', '0x3AA5C34371567BD'])(
    'refuses %j as a usage error (exit 2)',
    async (id) => {
      const result = await run(['sign', '--key-id', id, 'dist']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Expected --key-id to be a key ID (16 hex) or fingerprint (40 hex)`);
      expect(result.stderr).toContain(JSON.stringify(id));
    },
  );

  it('refuses --key and --key-id together', async () => {
    const result = await run(['sign', '--key', 'private.asc', '--key-id', '3AA5C34371567BD2', 'dist']);
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain('Give either --key FILE or --key-id KEY_ID, not both.');
  });
});

describe("signet.yaml's gpg_key: a key ID or a key file", () => {
  it('is a key ID when written as 16 or 40 hex, unless a file of that name exists beside signet.yaml', async () => {
    const base = join(work, 'config-ref');
    await mkdir(base, { recursive: true });
    const ref = (value: string) =>
      refOfReleaseConfig(
        parseReleaseConfig(`provider:\n  name: hello\n  version: 1.0.0\n  gpg_key: ${value}\n  files: [bin]\n`, {
          baseDir: base,
          fileName: 'signet.yaml',
        }),
      );
    expect(await ref('0x3aa5c34371567bd2')).toEqual({ keyId: '3AA5C34371567BD2', flag: 'provider.gpg_key' });
    expect(await ref('keys/private.asc')).toEqual({ file: join(base, 'keys/private.asc'), flag: 'provider.gpg_key' });
    await writeFile(join(base, '3AA5C34371567BD2'), 'a key file with an odd name');
    expect(await ref('3AA5C34371567BD2')).toEqual({ file: join(base, '3AA5C34371567BD2'), flag: 'provider.gpg_key' });
  });
});

describe('the key-ID path when gpg is missing or fails', GPG_TIMEOUT, () => {
  it('says gpg is not installed, and how to do without it (exit 3)', async () => {
    const empty = join(work, 'no-gpg-here');
    await mkdir(empty, { recursive: true });
    const result = await run(['sign', '--key-id', '0x3AA5C34371567BD2', 'dist'], { PATH: empty });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--key-id "3AA5C34371567BD2" is a key ID; SIGNET_KEYRING is not set, and gpg');
    expect(result.stderr).toContain('is not installed (no "gpg" on the PATH). Install GnuPG');
    expect(result.stderr).toContain('gpg --export-secret-keys --armor 3AA5C34371567BD2 > private.asc');
  });

  it.skipIf(!HAS_GPG)(
    `summarizes gpg's own error when gpg fails (exit 3)${HAS_GPG ? '' : ' — SKIPPED: gpg is not on the PATH'}`,
    async () => {
      const result = await run(['sign', '--key-id', '3AA5C34371567BD2', 'dist'], { GNUPGHOME: join(work, 'nowhere') });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /^signet: gpg could not list the secret keys for 3AA5C34371567BD2 \(exit 2\): ".*directory does not exist/,
      );
      expect(result.stderr).not.toContain('[GNUPG:]');
    },
  );

  it("keeps only gpg's last distinct message lines, without status lines", () => {
    const stderr =
      '[GNUPG:] BEGIN_SIGNING H8\ngpg: signing failed: No pinentry\n[GNUPG:] FAILURE sign 1\ngpg: signing failed: No pinentry\n';
    expect(summarizeGpgStderr(stderr)).toBe('gpg: signing failed: No pinentry');
    expect(summarizeGpgStderr('')).toBe('no message');
  });
});

describe.skipIf(!HAS_GPG)(
  HAS_GPG ? 'the gpg keyring' : 'the gpg keyring (SKIPPED: gpg is not on the PATH)',
  GPG_TIMEOUT,
  () => {
    it('names both stores when the key is in neither (exit 2)', async () => {
      const keyring = join(work, 'empty-keyring');
      await mkdir(keyring, { recursive: true });
      const result = await run(['sign', '--key-id', '3AA5C34371567BD2', 'dist'], { SIGNET_KEYRING: keyring });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `--key-id "3AA5C34371567BD2" names no secret key: SIGNET_KEYRING has no ${JSON.stringify(join(keyring, '3AA5C34371567BD2.asc'))}, and the gpg keyring (GNUPGHOME ${JSON.stringify(gnupgHome)}) has no secret key 3AA5C34371567BD2.`,
      );
      expect(result.stderr).toContain('gpg --list-secret-keys --keyid-format long');
    });

    it('signs with a key that lives only in the gpg keyring, by long ID, and the signature verifies', async () => {
      const longId = gpgKeys.plain.slice(-16);
      const result = await run(['sign', '--key-id', longId.toLowerCase(), 'dist', '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({ ok: true, keyId: longId, source: 'gpg' });
      const exported = spawnSync('gpg', ['--batch', '--armor', '--export', gpgKeys.plain], {
        env: { ...process.env, GNUPGHOME: gnupgHome },
        encoding: 'utf8',
      }).stdout;
      const signature = await readFile(json.signature);
      const verified = await verifyShasumsSignature({
        shasums: new TextEncoder().encode(SUMS),
        signature,
        keys: [exported],
      });
      expect(verified).toMatchObject({ valid: true, signerKeyId: longId, problems: [] });
    });

    it('hands SIGNET_GPG_PASSPHRASE to gpg, and says so when gpg refuses it (exit 2), never echoing it', async () => {
      const wrong = await run(['sign', '--key-id', `0x${gpgKeys.locked}`, 'dist'], {
        SIGNET_GPG_PASSPHRASE: 'not the passphrase',
      });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(
        `gpg refused the passphrase for key ${gpgKeys.locked}: SIGNET_GPG_PASSPHRASE does not unlock it`,
      );
      expect(wrong.stderr).not.toContain('not the passphrase');

      const right = await run(['sign', '--key-id', gpgKeys.locked, 'dist'], { SIGNET_GPG_PASSPHRASE: PASSPHRASE });
      expect(right.stderr).toBe('');
      expect(right.code).toBe(0);
      expect(right.stdout).toContain(`with key ${gpgKeys.locked.slice(-16)} (gpg)`);
    });

    it("refuses a gpg key terraform's users should not trust with the core's reason (RSA 1024: KEY_WEAK, exit 1)", async () => {
      const result = await run(['sign', '--key-id', gpgKeys.weak, 'dist']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('KEY_WEAK');
      expect(result.stderr).toContain('RSA 1024: RSA keys under 2048 bits');
    });

    it('says which keys an ambiguous ID matches, and to give the fingerprint (exit 2)', async () => {
      // A long-ID collision cannot be made on demand; a stand-in gpg answers the listing with two keys.
      const bin = join(work, 'ambiguous-bin');
      await mkdir(bin, { recursive: true });
      const listing = [
        'sec:u:255:22:3AA5C34371567BD2:1700000000:::u:::scSC:::+::ed25519:::0:',
        'fpr:::::::::1111111111111111111111113AA5C34371567BD2:',
        'uid:u::::1700000000::X::First Key <first@example.com>::::::::::0:',
        'sec:u:255:22:3AA5C34371567BD2:1700000000:::u:::scSC:::+::ed25519:::0:',
        'fpr:::::::::2222222222222222222222223AA5C34371567BD2:',
        'uid:u::::1700000000::Y::Second Key <second@example.com>::::::::::0:',
      ].join('\n');
      await writeFile(join(bin, 'gpg'), `#!/bin/sh\ncat <<'EOF'\n${listing}\nEOF\n`);
      await chmod(join(bin, 'gpg'), 0o755);
      const result = await run(['sign', '--key-id', '3AA5C34371567BD2', 'dist'], {
        PATH: `${bin}:${process.env.PATH}`,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        '--key-id "3AA5C34371567BD2" matches 2 secret keys in the gpg keyring (1111111111111111111111113AA5C34371567BD2 "First Key <first@example.com>", 2222222222222222222222223AA5C34371567BD2 "Second Key <second@example.com>"); give the 40-hex fingerprint',
      );
    });
  },
);

describe('SIGNET_KEYRING', GPG_TIMEOUT, () => {
  let keyring: string;
  let keyId: string;
  let otherId: string;

  beforeAll(async () => {
    keyring = join(work, 'keyring');
    await mkdir(keyring);
    const key = await generateKey({
      name: 'Store',
      email: 'store@example.com',
      algorithm: 'ed25519',
      passphrase: PASSPHRASE,
    });
    const other = await generateKey({
      name: 'Other',
      email: 'other@example.com',
      algorithm: 'ed25519',
      passphrase: PASSPHRASE,
    });
    keyId = key.info.keyId;
    otherId = other.info.keyId;
    await writeFile(join(keyring, `${keyId}.asc`), key.privateKeyArmored);
    // Another key saved under a name that is not its own ID: it must not sign in that ID's place.
    await writeFile(join(keyring, `${'0'.repeat(16)}.asc`), other.privateKeyArmored);
  });

  it('signs with the stored key first, unlocked with SIGNET_GPG_PASSPHRASE, without needing gpg', async () => {
    const empty = join(work, 'no-gpg-for-store');
    await mkdir(empty, { recursive: true });
    const env = { SIGNET_KEYRING: keyring, SIGNET_GPG_PASSPHRASE: PASSPHRASE, PATH: empty };
    const result = await run(['sign', '--key-id', keyId, 'dist', '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, keyId, source: 'signet-keyring' });
  });

  it('says when the stored key needs the passphrase (exit 2)', async () => {
    const result = await run(['sign', '--key-id', keyId, 'dist'], { SIGNET_KEYRING: keyring });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot unlock SIGNET_KEYRING key ${keyId}`);
    expect(result.stderr).toContain('set SIGNET_GPG_PASSPHRASE');
  });

  it('refuses a file that holds another key than its name says (exit 2)', async () => {
    const env = { SIGNET_KEYRING: keyring, SIGNET_GPG_PASSPHRASE: PASSPHRASE };
    const result = await run(['sign', '--key-id', '0'.repeat(16), 'dist'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`to hold key ${'0'.repeat(16)}, found key`);
    expect(result.stderr).toContain(otherId);
  });

  it('refuses a SIGNET_KEYRING that is not a folder instead of falling through to gpg (exit 2)', async () => {
    const result = await run(['sign', '--key-id', keyId, 'dist'], { SIGNET_KEYRING: join(dist, SUMS_NAME) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('to be a folder of <KEYID>.asc private keys, found a file');
  });
});
