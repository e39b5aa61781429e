// Attack (on availability): an OpenPGP v6 key reads fine in openpgp.js and gpg 2.4, but terraform cannot
// decode it ("first packet was not a public/private key") and fails every install, even next to a good key.
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';

import { isSignetError } from '../errors';
import { inspectKey, readKey } from '../keys';
import { signShasums, verifyShasumsSignature } from '../signature';

describe.each([
  ['Ed25519', { type: 'curve25519' }],
  ['RSA', { type: 'rsa', rsaBits: 2048 }],
] as const)('a v6 %s key', (_name, type) => {
  it('is read, reported KEY_UNSUPPORTED, refused for signing, and fails verification', async () => {
    const { privateKey } = await openpgp.generateKey({
      ...type,
      userIDs: [{ name: 'Acme', email: 'acme@example.com' }],
      format: 'object',
      config: { v6Keys: true },
    });
    const key = await readKey(privateKey.toPublic().armor());
    expect(key.keyPacket.version).toBe(6);

    const info = await inspectKey(key);
    expect(info).toMatchObject({ version: 6, compatible: false });
    expect(info.problems.map((p) => p.code)).toEqual(['KEY_UNSUPPORTED']);
    expect(info.problems[0]!.message).toContain('first packet was not a public/private key');

    const shasums = new TextEncoder().encode(`${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n`);
    const error: unknown = await signShasums(shasums, privateKey).catch((e: unknown) => e);
    expect(isSignetError(error, 'KEY_UNSUPPORTED')).toBe(true);

    // Signed anyway (by another tool): openpgp.js verifies it, terraform would not.
    const signature = await openpgp.sign({
      message: await openpgp.createMessage({ binary: shasums }),
      signingKeys: privateKey,
      detached: true,
      format: 'binary',
    });
    const result = await verifyShasumsSignature({ shasums, signature, keys: [key] });
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['KEY_UNSUPPORTED']);
  });
});
