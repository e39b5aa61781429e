import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateKey } from './key-generate';
import { decryptPrivateKey } from './keys';
import { readReleaseFiles } from './release-files';
import { signRelease, type ShasumsSigner } from './sign-release';
import { signShasums } from './signature';

const SUMS_NAME = 'terraform-provider-hello_1.0.0_SHA256SUMS';

let dir: string;
let signing: Awaited<ReturnType<typeof generateKey>>;
let other: Awaited<ReturnType<typeof generateKey>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-sign-release-'));
  await writeFile(join(dir, SUMS_NAME), `${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n`);
  [signing, other] = await Promise.all([
    generateKey({ name: 'Signing', email: 'signing@example.com', algorithm: 'ed25519' }),
    generateKey({ name: 'Other', email: 'other@example.com', algorithm: 'ed25519' }),
  ]);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A signer (like the author's gpg) that claims `signing`'s public key but signs with `key`. */
async function signerWith(key: string, armored = false): Promise<ShasumsSigner> {
  const privateKey = await decryptPrivateKey(key, undefined);
  return {
    publicKey: signing.publicKeyArmored,
    async sign(shasums) {
      const binary = await signShasums(shasums, privateKey);
      if (!armored) return binary;
      const signature = await openpgp.readSignature({ binarySignature: binary });
      return new TextEncoder().encode(signature.armor());
    },
  };
}

describe('signRelease verifies the signature with the public key before writing it', () => {
  it('writes the .sig when a signer signs with the key it names', async () => {
    const result = await signRelease(await readReleaseFiles([dir]), await signerWith(signing.privateKeyArmored));
    expect(result.signature.fileName).toBe(`${SUMS_NAME}.sig`);
    await rm(result.signature.path);
  });

  it.each([
    ['another key', false, 'SIGNATURE_WRONG_KEY'],
    ['an armored signature', true, 'SIGNATURE_ARMORED'],
  ] as const)('writes nothing for %s (%s)', async (_label, armored, code) => {
    const key = armored ? signing.privateKeyArmored : other.privateKeyArmored;
    await expect(signRelease(await readReleaseFiles([dir]), await signerWith(key, armored))).rejects.toMatchObject({
      code,
      message: expect.stringContaining("does not verify with the signing key's public half, so it was not written"),
    });
    expect(await readdir(dir)).toEqual([SUMS_NAME]);
  });
});
