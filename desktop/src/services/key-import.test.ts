import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { decryptPrivateKey, inspectKey } from '@signet/core';
import * as openpgp from 'openpgp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createTestServices, type TestServices } from './testing/fixtures';

const userIDs = [{ name: 'Imported', email: 'imported@example.com' }];
// Made a minute ago, so that a self-signature made now (a new expiry) is the newer one.
const legacyEd25519 = (passphrase?: string) =>
  openpgp.generateKey({
    date: new Date(Date.now() - 60_000),
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs,
    format: 'object',
    ...(passphrase === undefined ? {} : { passphrase }),
  });

const files = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();

describe('keysImport', () => {
  let t: TestServices;
  beforeEach(async () => (t = await createTestServices()));
  afterEach(() => t.close());

  it('imports an armored public key as public-only', async () => {
    const { publicKey } = await legacyEd25519();
    const { key, merged } = await t.ok('keysImport', { key: publicKey.armor() });
    expect(merged).toBe(false);
    expect(key).toMatchObject({ badge: 'Compatible', hasPrivateKey: false, hasRevocationCertificate: false });
    expect(await files(join(t.dataDir, 'public'))).toEqual([`${key.keyId}.asc`]);
    expect(await files(join(t.dataDir, 'keys'))).toEqual([]);
  });

  it('imports a binary key file (base64 from the renderer)', async () => {
    const { publicKey } = await legacyEd25519();
    const binaryBase64 = Buffer.from(publicKey.write()).toString('base64');
    const { key } = await t.ok('keysImport', { binaryBase64 });
    expect(key.keyId).toBe(publicKey.getKeyID().toHex().toUpperCase());
  });

  it('encrypts an unencrypted private key with the given passphrase, and refuses it without one', async () => {
    const { privateKey } = await legacyEd25519();
    const refused = await t.call('keysImport', { key: privateKey.armor() });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(await files(join(t.dataDir, 'keys'))).toEqual([]);

    const { key } = await t.ok('keysImport', { key: privateKey.armor(), passphrase: 'new secret' });
    expect(key.hasPrivateKey).toBe(true);
    const stored = await readFile(join(t.dataDir, 'keys', `${key.keyId}.asc`), 'utf8');
    expect((await inspectKey(stored)).encrypted).toBe(true);
    await decryptPrivateKey(stored, 'new secret');
  });

  it('imports an encrypted private key only with the passphrase that opens it; a wrong one writes nothing', async () => {
    const { privateKey } = await legacyEd25519('their secret');
    const wrong = await t.call('keysImport', { key: privateKey.armor(), passphrase: 'not it' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'BAD_PASSPHRASE' } });
    const missing = await t.call('keysImport', { key: privateKey.armor() });
    expect(missing).toMatchObject({ ok: false, error: { code: 'BAD_PASSPHRASE' } });
    expect(await files(join(t.dataDir, 'keys'))).toEqual([]);
    expect(await t.ok('keysList', {})).toEqual([]);

    const { key } = await t.ok('keysImport', { key: privateKey.armor(), passphrase: 'their secret' });
    expect(await readFile(join(t.dataDir, 'keys', `${key.keyId}.asc`), 'utf8')).toBe(privateKey.armor());
  });

  it('merges an updated public key (a new expiry made elsewhere) into the key it holds', async () => {
    const { privateKey } = await legacyEd25519('pw');
    const { key: first } = await t.ok('keysImport', { key: privateKey.armor(), passphrase: 'pw' });
    expect(first.expires).toBeNull();
    const unlocked = await openpgp.decryptKey({ privateKey, passphrase: 'pw' });
    const { publicKey: extended } = await openpgp.reformatKey({
      privateKey: unlocked,
      userIDs,
      keyExpirationTime: 30 * 86_400,
      format: 'object',
    });
    const { key, merged } = await t.ok('keysImport', { key: extended.armor() });
    expect(merged).toBe(true);
    expect(key).toMatchObject({ keyId: first.keyId, hasPrivateKey: true });
    expect(key.expires).not.toBeNull();
    // Still the encrypted private key, with the same passphrase.
    const stored = await readFile(join(t.dataDir, 'keys', `${key.keyId}.asc`), 'utf8');
    await decryptPrivateKey(stored, 'pw');
    expect(await files(join(t.dataDir, 'public'))).toEqual([]);
  });

  it('shows a v6 key as Incompatible with the core’s reason', async () => {
    const { publicKey } = await openpgp.generateKey({
      type: 'curve25519',
      userIDs,
      format: 'object',
      config: { v6Keys: true },
    });
    const { key } = await t.ok('keysImport', { key: publicKey.armor() });
    expect(key.badge).toBe('Incompatible');
    expect(key.reason).toMatch(/OpenPGP v6 key; terraform reads only v4 keys/);
  });

  it('shows a v4 key of algorithm 27 (RFC 9580 Ed25519) as Incompatible with the core’s reason', async () => {
    const { publicKey } = await openpgp.generateKey({ type: 'curve25519', userIDs, format: 'object' });
    expect(publicKey.keyPacket.version).toBe(4);
    const { key } = await t.ok('keysImport', { key: publicKey.armor() });
    expect(key.badge).toBe('Incompatible');
    expect(key.reason).toMatch(/algorithm 27 of RFC 9580/);
  });

  it('refuses what is not a key, as INPUT_INVALID', async () => {
    const result = await t.call('keysImport', { key: 'hello' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(await t.call('keysImport', {})).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });
});
