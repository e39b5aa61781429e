import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';

import { isSignetError } from './errors';
import { dearmorSignature, isArmoredSignature, signShasums, verifyShasumsSignature } from './signature';

const userIDs = [{ name: 'Acme Releases', email: 'releases@example.com' }];
const shasums = new TextEncoder().encode(
  `${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n${'b'.repeat(64)}  terraform-provider-hello_1.0.0_manifest.json\n`,
);

let ed25519: openpgp.PrivateKey;
let rsa: openpgp.PrivateKey;
let other: openpgp.PrivateKey;

beforeAll(async () => {
  const ecc = { type: 'ecc', curve: 'curve25519Legacy', userIDs, format: 'object' } as const;
  ({ privateKey: ed25519 } = await openpgp.generateKey(ecc));
  ({ privateKey: other } = await openpgp.generateKey(ecc));
  ({ privateKey: rsa } = await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs, format: 'object' }));
});

const idOf = (key: openpgp.Key | openpgp.Subkey) => key.getKeyID().toHex().toUpperCase();

describe('signShasums', () => {
  it.each([
    ['ed25519', () => ed25519],
    ['rsa', () => rsa],
  ])('makes a binary detached signature that verifies (%s)', async (_name, key) => {
    const signature = await signShasums(shasums, key());
    // A binary packet's first byte has its high bit set: that is what terraform's "tag byte" check wants.
    expect(signature[0]! & 0x80).toBe(0x80);
    expect(isArmoredSignature(signature)).toBe(false);
    const result = await verifyShasumsSignature({ shasums, signature, keys: [key().toPublic().armor()] });
    expect(result).toEqual({ valid: true, signerKeyId: idOf(key()), issuerKeyId: idOf(key()), problems: [] });
  });

  it('refuses an encrypted key with KEY_PASSPHRASE', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs,
      passphrase: 'pw',
      format: 'object',
    });
    const error: unknown = await signShasums(shasums, privateKey).catch((e: unknown) => e);
    expect(isSignetError(error, 'KEY_PASSPHRASE')).toBe(true);
  });

  it('refuses an expired key with KEY_EXPIRED, as gpg does', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs,
      date: new Date('2020-01-01T00:00:00Z'),
      keyExpirationTime: 86_400,
      format: 'object',
    });
    const error: unknown = await signShasums(shasums, privateKey).catch((e: unknown) => e);
    expect(isSignetError(error, 'KEY_EXPIRED')).toBe(true);
  });
});

describe('isArmoredSignature and dearmorSignature', () => {
  it('recognises armor, also after a BOM or blank lines, and de-armors to the binary form', async () => {
    const binary = await signShasums(shasums, ed25519);
    const armored = (await openpgp.readSignature({ binarySignature: binary })).armor();
    expect(isArmoredSignature(new TextEncoder().encode(armored))).toBe(true);
    expect(isArmoredSignature(new TextEncoder().encode(`\uFEFF\r\n\n${armored}`))).toBe(true);
    expect(isArmoredSignature(new Uint8Array())).toBe(false);
    expect(await dearmorSignature(new TextEncoder().encode(armored))).toEqual(binary);
  });

  it('refuses armor that is not a signature with SIGNATURE_INVALID', async () => {
    const error: unknown = await dearmorSignature(new TextEncoder().encode(ed25519.toPublic().armor())).catch(
      (e: unknown) => e,
    );
    expect(isSignetError(error, 'SIGNATURE_INVALID')).toBe(true);
  });
});

describe('verifyShasumsSignature', () => {
  it('skips keys that did not sign, as terraform does with gpg_public_keys', async () => {
    const signature = await signShasums(shasums, ed25519);
    const result = await verifyShasumsSignature({
      shasums,
      signature,
      keys: [other.toPublic().armor(), ed25519.toPublic().write()],
    });
    expect(result).toMatchObject({ valid: true, signerKeyId: idOf(ed25519), problems: [] });
  });

  it('names the primary key when a subkey signed (terraform prints the primary key ID)', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs,
      subkeys: [{ type: 'ecc', curve: 'curve25519Legacy', sign: true }],
      format: 'object',
    });
    const signature = await signShasums(shasums, privateKey);
    const result = await verifyShasumsSignature({ shasums, signature, keys: [privateKey.toPublic()] });
    expect(result).toMatchObject({
      valid: true,
      signerKeyId: idOf(privateKey),
      issuerKeyId: idOf(privateKey.subkeys[0]!),
      problems: [],
    });
  });

  it("accepts a signature made before the key expired, with the key's KEY_EXPIRED warning", async () => {
    const created = new Date('2020-01-01T00:00:00Z');
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs,
      date: created,
      keyExpirationTime: 86_400,
      format: 'object',
    });
    const signature = await openpgp.sign({
      message: await openpgp.createMessage({ binary: shasums }),
      signingKeys: privateKey,
      detached: true,
      format: 'binary',
      date: new Date('2020-01-01T12:00:00Z'),
    });
    const result = await verifyShasumsSignature({ shasums, signature, keys: [privateKey.toPublic()] });
    expect(result.valid).toBe(true);
    expect(result.problems.map((p) => [p.code, p.severity])).toEqual([['KEY_EXPIRED', 'warning']]);
  });

  it('refuses a signature by a key revoked since', async () => {
    const signature = await signShasums(shasums, other);
    const { publicKey } = await openpgp.revokeKey({ key: other, format: 'object' });
    const result = await verifyShasumsSignature({ shasums, signature, keys: [publicKey] });
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['KEY_REVOKED']);
  });

  it('reports an unreadable key in the list, which fails a terraform install, but still checks the signature', async () => {
    const signature = await signShasums(shasums, ed25519);
    const result = await verifyShasumsSignature({ shasums, signature, keys: ['garbage', ed25519.toPublic()] });
    expect(result.valid).toBe(true);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'KEY_INVALID', severity: 'error' })]);
    expect(result.problems[0]!.message).toContain('gpg_public_keys');
  });

  it('reports garbage as SIGNATURE_INVALID and no keys as SIGNATURE_UNVERIFIED', async () => {
    const garbage = await verifyShasumsSignature({ shasums, signature: new Uint8Array([0x88, 0, 1]), keys: [rsa] });
    expect(garbage.valid).toBe(false);
    expect(garbage.problems.map((p) => p.code)).toEqual(['SIGNATURE_INVALID']);
    const signature = await signShasums(shasums, ed25519);
    const none = await verifyShasumsSignature({ shasums, signature, keys: [] });
    expect(none).toMatchObject({ valid: false, issuerKeyId: idOf(ed25519) });
    expect(none.problems.map((p) => [p.code, p.severity])).toEqual([['SIGNATURE_UNVERIFIED', 'warning']]);
  });

  it("quotes terraform's RSA failure for a bad RSA signature", async () => {
    const signature = await signShasums(shasums, rsa);
    const changed = new Uint8Array(shasums);
    changed[0] = 0x30;
    const result = await verifyShasumsSignature({ shasums: changed, signature, keys: [rsa.toPublic()] });
    expect(result).toMatchObject({ valid: false, signerKeyId: idOf(rsa) });
    expect(result.problems[0]!.message).toContain('openpgp: invalid signature: RSA verification failure');
  });
});
