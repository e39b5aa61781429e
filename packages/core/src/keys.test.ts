import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';

import { isSignetError } from './errors';
import { decryptPrivateKey, inspectKey, readKey, readPublicKeyArmored } from './keys';

const userIDs = [{ name: 'Acme Releases', email: 'releases@example.com' }];
const PASSPHRASE = 'correct horse battery staple';

let ed25519: openpgp.PrivateKey;
let encrypted: openpgp.PrivateKey;

beforeAll(async () => {
  ({ privateKey: ed25519 } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs,
    format: 'object',
  }));
  ({ privateKey: encrypted } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs,
    passphrase: PASSPHRASE,
    format: 'object',
  }));
});

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isSignetError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a SignetError');
}

describe('readKey', () => {
  it('reads armored and binary keys, public and private, from strings and bytes', async () => {
    const id = ed25519.getKeyID().toHex();
    const inputs = [
      ed25519.toPublic().armor(),
      ed25519.armor(),
      new TextEncoder().encode(`\uFEFF\n${ed25519.toPublic().armor()}`),
      ed25519.toPublic().write(),
      ed25519.write(),
    ];
    const keys = await Promise.all(inputs.map((input) => readKey(input)));
    expect(keys.map((k) => k.getKeyID().toHex())).toEqual(Array(5).fill(id));
    expect(keys.map((k) => k.isPrivate())).toEqual([false, true, false, false, true]);
  });

  it('refuses garbage, a signature and empty input with KEY_INVALID', async () => {
    const signature = await openpgp.sign({
      message: await openpgp.createMessage({ text: 'x' }),
      signingKeys: ed25519,
      detached: true,
    });
    await expect(errorOf(readKey('not a key'))).resolves.toMatchObject({
      code: 'KEY_INVALID',
      message: expect.stringContaining('text without an armor header') as string,
    });
    await expect(errorOf(readKey(signature))).resolves.toMatchObject({
      code: 'KEY_INVALID',
      message: expect.stringContaining('an armored "SIGNATURE"') as string,
    });
    await expect(errorOf(readKey(new Uint8Array([0x99, 1, 2])))).resolves.toMatchObject({ code: 'KEY_INVALID' });
    await expect(errorOf(readKey(new Uint8Array()))).resolves.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('refuses a keyring of two keys instead of silently picking one', async () => {
    const ring = new Uint8Array([...ed25519.toPublic().write(), ...encrypted.toPublic().write()]);
    const error = await errorOf(readKey(ring));
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toContain('found 2');
  });
});

describe('inspectKey', () => {
  it('describes a v4 ed25519 legacy key as compatible', async () => {
    const info = await inspectKey(ed25519.toPublic().armor());
    expect(info).toMatchObject({
      keyId: ed25519.getKeyID().toHex().toUpperCase(),
      fingerprint: ed25519.getFingerprint().toUpperCase(),
      algorithm: 'EdDSA (ed25519 legacy)',
      version: 4,
      userIds: ['Acme Releases <releases@example.com>'],
      expires: null,
      expired: false,
      revoked: false,
      isPrivate: false,
      compatible: true,
      problems: [],
    });
    expect(info.keyId).toMatch(/^[0-9A-F]{16}$/);
    expect(info.encrypted).toBeUndefined();
  });

  it('says whether a private key is encrypted', async () => {
    expect(await inspectKey(encrypted)).toMatchObject({ isPrivate: true, encrypted: true });
    expect(await inspectKey(ed25519)).toMatchObject({ isPrivate: true, encrypted: false });
  });

  it('names RSA and ECDSA keys, and flags RSA under 2048 bits as weak', async () => {
    const rsa = await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs, format: 'object' });
    const p256 = await openpgp.generateKey({ type: 'ecc', curve: 'nistP256', userIDs, format: 'object' });
    const weak = await openpgp.generateKey({
      type: 'rsa',
      rsaBits: 1024,
      userIDs,
      format: 'object',
      config: { minRSABits: 1024 },
    });
    expect(await inspectKey(rsa.publicKey)).toMatchObject({ algorithm: 'RSA 2048', compatible: true, problems: [] });
    expect(await inspectKey(p256.publicKey)).toMatchObject({ algorithm: 'ECDSA P-256', problems: [] });
    const info = await inspectKey(weak.publicKey);
    expect(info.algorithm).toBe('RSA 1024');
    expect(info.problems).toEqual([expect.objectContaining({ code: 'KEY_WEAK', severity: 'error' })]);
    // terraform itself would still verify it; Signet refuses it, which the problem says.
    expect(info.compatible).toBe(true);
  });

  it('warns about an expired key, which terraform still accepts', async () => {
    const { publicKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs,
      date: new Date('2020-01-01T00:00:00Z'),
      keyExpirationTime: 86_400,
      format: 'object',
    });
    const info = await inspectKey(publicKey);
    expect(info).toMatchObject({ expires: '2020-01-02T00:00:00.000Z', expired: true, compatible: true });
    expect(info.problems).toEqual([expect.objectContaining({ code: 'KEY_EXPIRED', severity: 'warning' })]);
  });

  it('refuses a revoked key', async () => {
    const { publicKey } = await openpgp.revokeKey({ key: ed25519, format: 'object' });
    const info = await inspectKey(publicKey);
    expect(info).toMatchObject({ revoked: true, compatible: false });
    expect(info.problems).toEqual([expect.objectContaining({ code: 'KEY_REVOKED', severity: 'error' })]);
  });
});

describe('decryptPrivateKey', () => {
  it('unlocks with the right passphrase', async () => {
    const key = await decryptPrivateKey(encrypted.armor(), PASSPHRASE);
    expect(key.isDecrypted()).toBe(true);
    expect(key.getKeyID().toHex()).toBe(encrypted.getKeyID().toHex());
  });

  it('returns an unencrypted key as is, whatever the passphrase', async () => {
    expect((await decryptPrivateKey(ed25519.armor(), undefined)).isDecrypted()).toBe(true);
    expect((await decryptPrivateKey(ed25519.armor(), 'ignored')).isDecrypted()).toBe(true);
  });

  it('refuses a missing or wrong passphrase with KEY_PASSPHRASE, never echoing it', async () => {
    const missing = await errorOf(decryptPrivateKey(encrypted.armor(), undefined));
    expect(missing.code).toBe('KEY_PASSPHRASE');
    expect(missing.message).toContain('none was given');
    const wrong = await errorOf(decryptPrivateKey(encrypted.armor(), 'hunter2-wrong'));
    expect(wrong.code).toBe('KEY_PASSPHRASE');
    expect(wrong.message).toContain('wrong');
    expect(wrong.message).not.toContain('hunter2');
  });

  it('refuses a public key with KEY_INVALID', async () => {
    const error = await errorOf(decryptPrivateKey(ed25519.toPublic().armor(), PASSPHRASE));
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toContain('public key');
  });
});

describe('readPublicKeyArmored', () => {
  it('gives the public key only, from a private key', async () => {
    const armored = await readPublicKeyArmored(encrypted.armor());
    expect(armored).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    const key = await readKey(armored);
    expect(key.isPrivate()).toBe(false);
    expect(key.getFingerprint()).toBe(encrypted.getFingerprint());
  });
});
