import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { decryptPrivateKey, generateKey, inspectKey, readKey, verifyShasumsSignature } from '@signet/core';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestServices, ed25519Key, type TestServices } from './testing/fixtures';
import { createTestVault } from './testing/test-vault';

const PASSPHRASE = 'correct horse battery staple';

describe('keys', () => {
  let t: TestServices;
  let keyId: string;

  beforeAll(async () => {
    t = await createTestServices();
    keyId = (await t.ok('keysGenerate', ed25519Key(PASSPHRASE))).keyId;
  });
  afterAll(() => t.close());

  it('keeps a generated key encrypted in keys/KEYID.asc (the SIGNET_KEYRING layout), 0600 in 0700, with a revocation certificate', async () => {
    const path = join(t.dataDir, 'keys', `${keyId}.asc`);
    const armored = await readFile(path, 'utf8');
    expect(armored).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
    expect((await inspectKey(armored)).encrypted).toBe(true);
    await expect(decryptPrivateKey(armored, 'wrong')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(t.dataDir, 'keys'))).mode & 0o777).toBe(0o700);
    const revocation = await readFile(join(t.dataDir, 'revocations', `${keyId}.asc`), 'utf8');
    expect(revocation).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    const [view] = await t.ok('keysList', {});
    expect(view).toMatchObject({
      keyId,
      name: 'Desktop Test',
      email: 'desktop@example.com',
      algorithm: 'EdDSA (ed25519 legacy)',
      badge: 'Compatible',
      reason: null,
      hasPrivateKey: true,
      hasRevocationCertificate: true,
      passphraseRemembered: false,
    });
    expect(view?.fingerprint).toMatch(/^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
  });

  it('gives the public key and never the private one', async () => {
    const { armored } = await t.ok('keysPublicKey', { keyId });
    expect(armored).toContain('PUBLIC KEY BLOCK');
    expect(armored).not.toContain('PRIVATE KEY');
    const saved = await t.ok('keysSavePublicKey', { keyId, path: join(t.dir, 'public.asc') });
    expect(await readFile(saved.path, 'utf8')).toBe(armored);
  });

  it('backs up the encrypted private key to a file and returns only its path', async () => {
    const result = await t.ok('keysBackUpPrivateKey', { keyId, path: join(t.dir, 'backup.asc') });
    expect(result).toEqual({ path: join(t.dir, 'backup.asc') });
    const backup = await readFile(result.path, 'utf8');
    expect(backup).toBe(await readFile(join(t.dataDir, 'keys', `${keyId}.asc`), 'utf8'));
    expect((await decryptPrivateKey(backup, PASSPHRASE)).isDecrypted()).toBe(true);
  });

  it('refuses to change the expiry with a wrong passphrase and leaves the key as it was', async () => {
    const path = join(t.dataDir, 'keys', `${keyId}.asc`);
    const before = await readFile(path, 'utf8');
    const result = await t.call('keysChangeExpiry', { keyId, expires: '90d', passphrase: 'wrong' });
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_PASSPHRASE' } });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('keeps the signatures the key made before a change of expiry valid', async () => {
    // A key made a day ago that signed an hour ago: a self-signature dated now would leave that signature
    // without a valid self-signature at its time.
    const made = await generateKey({
      name: 'Old',
      email: 'old@example.com',
      algorithm: 'ed25519',
      passphrase: PASSPHRASE,
      created: new Date(Date.now() - 86_400_000),
    });
    const { key } = await t.ok('keysImport', { key: made.privateKeyArmored, passphrase: PASSPHRASE });
    const shasums = new TextEncoder().encode(`${'0'.repeat(64)}  terraform-provider-x_1.0.0_linux_amd64.zip\n`);
    const signature = await openpgp.sign({
      message: await openpgp.createMessage({ binary: shasums }),
      signingKeys: await decryptPrivateKey(made.privateKeyArmored, PASSPHRASE),
      detached: true,
      format: 'binary',
      date: new Date(Date.now() - 3_600_000),
    });
    await t.ok('keysChangeExpiry', { keyId: key.keyId, expires: '1y', passphrase: PASSPHRASE });
    const { armored } = await t.ok('keysPublicKey', { keyId: key.keyId });
    const verification = await verifyShasumsSignature({ shasums, signature, keys: [armored] });
    expect(verification).toMatchObject({ valid: true, signerKeyId: key.keyId, problems: [] });
  });

  it('changes the expiry with the passphrase, keeps the key encrypted, and says to re-add the public key', async () => {
    const { key, note } = await t.ok('keysChangeExpiry', { keyId, expires: '30d', passphrase: PASSPHRASE });
    expect(key.keyId).toBe(keyId);
    const days = (Date.parse(key.expires ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    expect(key.badge).toBe('Expires soon');
    expect(note).toMatch(/re-add the public key .* to each registry/);
    const stored = await readFile(join(t.dataDir, 'keys', `${keyId}.asc`), 'utf8');
    expect((await inspectKey(stored)).encrypted).toBe(true);
    await decryptPrivateKey(stored, PASSPHRASE);
    const never = await t.ok('keysChangeExpiry', { keyId, expires: 'never', passphrase: PASSPHRASE });
    expect(never.key).toMatchObject({ expires: null, badge: 'Compatible' });
  });

  it('refuses to remember a passphrase on the basic_text backend, with the reason', async () => {
    const basic = await createTestServices({ vault: createTestVault('basic_text') });
    try {
      const id = (await basic.ok('keysGenerate', ed25519Key('pw'))).keyId;
      const result = await basic.call('keysRememberPassphrase', { keyId: id, passphrase: 'pw' });
      expect(result).toMatchObject({ ok: false, error: { code: 'SECRET_STORAGE_UNAVAILABLE' } });
      expect(!result.ok && result.error.message).toMatch(/basic_text/);
      expect(await readdir(join(basic.dataDir, 'secrets')).catch(() => [])).toEqual([]);
    } finally {
      await basic.close();
    }
  });

  it('remembers a passphrase only once it opens the key, sealed by the vault', async () => {
    const wrong = await t.call('keysRememberPassphrase', { keyId, passphrase: 'wrong' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'BAD_PASSPHRASE' } });
    expect((await t.ok('keysList', {})).find((k) => k.keyId === keyId)?.passphraseRemembered).toBe(false);
    await t.ok('keysRememberPassphrase', { keyId, passphrase: PASSPHRASE });
    expect((await t.ok('keysList', {})).find((k) => k.keyId === keyId)?.passphraseRemembered).toBe(true);
    const sealed = await readFile(join(t.dataDir, 'secrets', `passphrase-${keyId}.sealed`));
    expect(sealed.includes(Buffer.from(PASSPHRASE))).toBe(false);
    // The remembered passphrase stands in for a missing one.
    const { key } = await t.ok('keysChangeExpiry', { keyId, expires: '2y' });
    expect(key.badge).toBe('Compatible');
    expect(await t.ok('keysForgetPassphrase', { keyId })).toEqual({ forgotten: true });
    expect(await t.call('keysChangeExpiry', { keyId, expires: '2y' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_PASSPHRASE' },
    });
  });

  it('revokes with the kept revocation certificate', async () => {
    const other = (await t.ok('keysGenerate', ed25519Key('pw', 'To Revoke'))).keyId;
    const { key, note } = await t.ok('keysRevoke', { keyId: other });
    expect(key.badge).toBe('Revoked');
    expect(key.reason).toMatch(/revoked/);
    expect(note).toMatch(/re-add its public key/i);
    const stored = await readKey(await readFile(join(t.dataDir, 'keys', `${other}.asc`), 'utf8'));
    expect(await stored.isRevoked()).toBe(true);
    expect(await t.call('keysChangeExpiry', { keyId: other, expires: '2y', passphrase: 'pw' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });

  it('deletes only when the typed key ID matches', async () => {
    const other = (await t.ok('keysGenerate', ed25519Key('pw', 'To Delete'))).keyId;
    expect(await t.call('keysDelete', { keyId: other, confirmKeyId: other.slice(1) })).toMatchObject({
      ok: false,
      error: { code: 'INPUT_INVALID' },
    });
    expect((await t.ok('keysList', {})).map((k) => k.keyId)).toContain(other);
    expect(await t.ok('keysDelete', { keyId: other, confirmKeyId: other })).toEqual({ deleted: true });
    expect((await t.ok('keysList', {})).map((k) => k.keyId)).not.toContain(other);
    expect(await readdir(join(t.dataDir, 'revocations'))).not.toContain(`${other}.asc`);
  });

  it('refuses a generate input without matching passphrases, writing nothing', async () => {
    const before = await readdir(join(t.dataDir, 'keys'));
    const result = await t.call('keysGenerate', { ...ed25519Key('one'), confirmPassphrase: 'two' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(await readdir(join(t.dataDir, 'keys'))).toEqual(before);
  });

  it('makes RSA 4096 by default', { timeout: 120_000 }, async () => {
    const { algorithm, ...input } = ed25519Key('pw', 'RSA Default');
    expect(algorithm).toBe('ed25519');
    const view = await t.ok('keysGenerate', input);
    expect(view).toMatchObject({ algorithm: 'RSA 4096', badge: 'Compatible' });
  });

  it('never logs a passphrase', () => {
    expect(t.logs.join('\n')).not.toContain(PASSPHRASE);
  });
});
