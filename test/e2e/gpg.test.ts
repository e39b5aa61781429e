// Signet's OpenPGP against a real gpg, both ways: what Signet signs, gpg verifies; what gpg signs, Signet
// verifies. gpg and terraform's go-crypto agree on these v4 formats (terraform-protocol.md §2.1).
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  dearmorSignature,
  decryptPrivateKey,
  generateKey,
  inspectKey,
  isArmoredSignature,
  signShasums,
  verifyShasumsSignature,
} from '@signet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { requireTool } from '../helpers/tools';

const hasGpg = requireTool('gpg');
const PASSPHRASE = 'correct horse battery staple';
const shasums = new TextEncoder().encode(
  `${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n${'b'.repeat(64)}  terraform-provider-hello_1.0.0_manifest.json\n`,
);

let home: string;
let shasumsPath: string;

/** Runs gpg in the private GNUPGHOME; throws with gpg's stderr when it fails. */
function gpg(args: string[], input?: string): { stdout: string; stderr: string } {
  const result = spawnSync('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...args], {
    env: { ...process.env, GNUPGHOME: home },
    input,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** `gpg --export` in binary form, as raw bytes. */
function gpgExportBinary(email: string): Uint8Array {
  const result = spawnSync('gpg', ['--batch', '--export', email], { env: { ...process.env, GNUPGHOME: home } });
  if (result.status !== 0) throw new Error(`gpg --export failed:\n${result.stderr.toString()}`);
  return result.stdout;
}

/** `gpg --verify` with machine-readable status lines; returns the VALIDSIG fingerprint (signing key, primary). */
function gpgVerify(signaturePath: string): { signingFingerprint: string; primaryFingerprint: string } {
  const { stdout } = gpg(['--status-fd', '1', '--verify', signaturePath, shasumsPath]);
  const validsig = stdout.split('\n').find((line) => line.startsWith('[GNUPG:] VALIDSIG '));
  expect(validsig, stdout).toBeDefined();
  const fields = validsig!.split(' ');
  return { signingFingerprint: fields[2]!, primaryFingerprint: fields.at(-1)! };
}

function fingerprintOf(email: string): string {
  const { stdout } = gpg(['--with-colons', '--fingerprint', email]);
  const fpr = stdout.split('\n').find((line) => line.startsWith('fpr:'));
  return fpr!.split(':')[9]!;
}

beforeAll(async () => {
  if (!hasGpg) return;
  home = await mkdtemp(join(tmpdir(), 'signet-gpg-'));
  shasumsPath = join(home, 'SHA256SUMS');
  await writeFile(shasumsPath, shasums);
});

afterAll(async () => {
  if (!hasGpg) return;
  // Stop the agent this GNUPGHOME started, and only that one.
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home } });
  await rm(home, { recursive: true, force: true });
});

describe.skipIf(!hasGpg)(
  hasGpg ? 'gpg interoperability' : 'gpg interoperability (SKIPPED: gpg is not on the PATH)',
  () => {
    it.each(['ed25519', 'rsa4096'] as const)(
      'gpg verifies a signature made by signShasums (%s key)',
      async (algorithm) => {
        const email = `signet-${algorithm}@example.com`;
        const generated = await generateKey({ name: 'Signet Test', email, algorithm, passphrase: PASSPHRASE });
        gpg(['--import'], generated.publicKeyArmored);
        const privateKey = await decryptPrivateKey(generated.privateKeyArmored, PASSPHRASE);
        const signaturePath = join(home, `${algorithm}.sig`);
        await writeFile(signaturePath, await signShasums(shasums, privateKey));

        const verified = gpgVerify(signaturePath);
        expect(verified.primaryFingerprint).toBe(generated.info.fingerprint);
      },
    );

    it("gpg imports Signet's passphrase-protected private key and signs with it", async () => {
      const email = 'signet-export@example.com';
      const generated = await generateKey({
        name: 'Signet Export',
        email,
        algorithm: 'ed25519',
        passphrase: PASSPHRASE,
      });
      gpg(['--passphrase', PASSPHRASE, '--import'], generated.privateKeyArmored);
      const signaturePath = join(home, 'export.sig');
      gpg(['--passphrase', PASSPHRASE, '--local-user', email, '--output', signaturePath, '--detach-sign', shasumsPath]);
      const result = await verifyShasumsSignature({
        shasums,
        signature: await readFile(signaturePath),
        keys: [generated.publicKeyArmored],
      });
      expect(result).toMatchObject({ valid: true, signerKeyId: generated.info.keyId, problems: [] });
    });

    it('verifyShasumsSignature verifies a gpg ed25519 key and its --detach-sign signature', async () => {
      const email = 'gpg-ed25519@example.com';
      gpg(['--passphrase', '', '--quick-gen-key', `Gpg Maker <${email}>`, 'ed25519', 'sign', 'never']);
      const signaturePath = join(home, 'gpg-ed25519.sig');
      gpg(['--local-user', email, '--output', signaturePath, '--detach-sign', shasumsPath]);
      const publicKey = gpg(['--armor', '--export', email]).stdout;
      const fingerprint = fingerprintOf(email);

      const info = await inspectKey(publicKey);
      expect(info).toMatchObject({ fingerprint, algorithm: 'EdDSA (ed25519 legacy)', version: 4, compatible: true });
      const signature = await readFile(signaturePath);
      expect(isArmoredSignature(signature)).toBe(false);
      const result = await verifyShasumsSignature({ shasums, signature, keys: [publicKey] });
      expect(result).toEqual({
        valid: true,
        signerKeyId: fingerprint.slice(-16),
        issuerKeyId: fingerprint.slice(-16),
        problems: [],
      });
    });

    it('names the primary key for a gpg signing subkey, as terraform prints it', async () => {
      const email = 'gpg-subkey@example.com';
      gpg(['--passphrase', '', '--quick-gen-key', `Gpg Subkey <${email}>`, 'ed25519', 'cert', 'never']);
      const primary = fingerprintOf(email);
      gpg(['--passphrase', '', '--quick-add-key', primary, 'ed25519', 'sign', 'never']);
      const signaturePath = join(home, 'gpg-subkey.sig');
      gpg(['--local-user', email, '--output', signaturePath, '--detach-sign', shasumsPath]);
      const verified = gpgVerify(signaturePath);
      expect(verified.signingFingerprint).not.toBe(primary);

      const result = await verifyShasumsSignature({
        shasums,
        signature: await readFile(signaturePath),
        keys: [gpgExportBinary(email)],
      });
      expect(result).toMatchObject({
        valid: true,
        signerKeyId: primary.slice(-16),
        issuerKeyId: verified.signingFingerprint.slice(-16),
        problems: [],
      });
    });

    it('reports a gpg --armor signature as SIGNATURE_ARMORED; de-armored, it verifies', async () => {
      const email = 'gpg-ed25519@example.com';
      const signaturePath = join(home, 'gpg-armored.asc');
      gpg(['--local-user', email, '--armor', '--output', signaturePath, '--detach-sign', shasumsPath]);
      const armored = await readFile(signaturePath);
      const keys = [gpg(['--armor', '--export', email]).stdout];
      expect(isArmoredSignature(armored)).toBe(true);

      const result = await verifyShasumsSignature({ shasums, signature: armored, keys });
      expect(result.valid).toBe(false);
      expect(result.problems.map((p) => p.code)).toEqual(['SIGNATURE_ARMORED']);
      expect(result.problems[0]!.message).toContain('de-armored, it verifies');

      const binary = await dearmorSignature(armored);
      expect(await verifyShasumsSignature({ shasums, signature: binary, keys })).toMatchObject({
        valid: true,
        problems: [],
      });
      // And gpg agrees with the de-armored bytes.
      const binaryPath = join(home, 'gpg-dearmored.sig');
      await writeFile(binaryPath, binary);
      expect(gpgVerify(binaryPath).primaryFingerprint).toBe(fingerprintOf(email));
    });
  },
);
