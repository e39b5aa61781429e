import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';

import { isSignetError } from './errors';
import { generateKey } from './key-generate';
import { decryptPrivateKey, readKey } from './keys';

const identity = { name: 'Acme Releases', email: 'releases@example.com' };

describe('generateKey', () => {
  it('makes a v4 EdDSA legacy signing key (algorithm 22, not RFC 9580 Ed25519) with no subkey', async () => {
    const generated = await generateKey({ ...identity, algorithm: 'ed25519' });
    const key = await readKey(generated.publicKeyArmored);
    expect(key.keyPacket.version).toBe(4);
    expect(key.keyPacket.algorithm).toBe(openpgp.enums.publicKey.eddsaLegacy);
    expect(key.subkeys).toHaveLength(0);
    expect(key.isPrivate()).toBe(false);
    expect(generated.privateKeyArmored).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
    expect(generated.info).toMatchObject({
      keyId: key.getKeyID().toHex().toUpperCase(),
      algorithm: 'EdDSA (ed25519 legacy)',
      version: 4,
      userIds: ['Acme Releases <releases@example.com>'],
      expires: null,
      isPrivate: true,
      encrypted: false,
      compatible: true,
      problems: [],
    });
  });

  it('makes RSA 4096 by default', async () => {
    const generated = await generateKey(identity);
    expect(generated.info).toMatchObject({ algorithm: 'RSA 4096', version: 4, compatible: true, problems: [] });
  }, 60_000);

  it('encrypts the private key with the passphrase', async () => {
    const generated = await generateKey({ ...identity, algorithm: 'ed25519', passphrase: 's3cret pass' });
    expect(generated.info.encrypted).toBe(true);
    // What matters is that the stored key is locked: the wrong passphrase cannot open it, the right one can.
    await expect(decryptPrivateKey(generated.privateKeyArmored, 's3cret pas')).rejects.toThrow();
    const key = await decryptPrivateKey(generated.privateKeyArmored, 's3cret pass');
    expect(key.isDecrypted()).toBe(true);
  });

  it('sets the expiry from a date or from seconds after creation', async () => {
    const created = new Date('2030-01-01T00:00:00Z');
    const byDate = await generateKey({
      ...identity,
      algorithm: 'ed25519',
      created,
      expires: new Date('2032-01-01T00:00:00Z'),
    });
    expect(byDate.info.expires).toBe('2032-01-01T00:00:00.000Z');
    const bySeconds = await generateKey({ ...identity, algorithm: 'ed25519', created, expires: 3600 });
    expect(bySeconds.info.expires).toBe('2030-01-01T01:00:00.000Z');
  });

  it('can make an already-expired key, which is reported as KEY_EXPIRED', async () => {
    const generated = await generateKey({
      ...identity,
      algorithm: 'ed25519',
      created: new Date('2020-01-01T00:00:00Z'),
      expires: 86_400,
    });
    expect(generated.info).toMatchObject({ expired: true, compatible: true });
    expect(generated.info.problems.map((p) => p.code)).toEqual(['KEY_EXPIRED']);
  });

  it.each([
    [{ name: ' ' }, 'key name'],
    [{ name: 'Evil <x@y>' }, 'key name'],
    [{ email: 'not-an-address' }, 'key email'],
    [{ passphrase: '' }, 'passphrase is empty'],
    [{ expires: 0 }, 'expiry'],
    [{ expires: new Date('2000-01-01T00:00:00Z') }, 'expiry'],
  ])('refuses bad input %o with INPUT_INVALID', async (override, text) => {
    const error: unknown = await generateKey({ ...identity, algorithm: 'ed25519', ...override }).catch(
      (e: unknown) => e,
    );
    expect(isSignetError(error, 'INPUT_INVALID')).toBe(true);
    expect((error as Error).message).toContain(text);
  });
});
