import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { PrivateKey } from 'openpgp';

import { SignetError } from './errors';
import type { KeyInput } from './keys';
import { parseArtifactName } from './names';
import type { ReleaseFile } from './release-files';
import { signShasums, verifyShasumsSignature } from './signature';

export interface SignReleaseResult {
  shasums: ReleaseFile;
  signature: ReleaseFile;
}

/**
 * Something other than an unlocked openpgp key that makes the signature: the author's `gpg`, a hardware token.
 * `sign` gets the SHA256SUMS bytes and the file they were read from (gpg signs a file); `publicKey` is the key
 * whose users will verify it.
 */
export interface ShasumsSigner {
  publicKey: KeyInput;
  sign(shasums: Uint8Array, shasumsPath: string): Promise<Uint8Array>;
}

/**
 * Signs a release's SHA256SUMS with a binary detached signature and writes `…_SHA256SUMS.sig` next to it. The
 * signature is first verified the way terraform will verify it, with the public key, so a signature terraform
 * would refuse (armored, another key, a key it cannot read) is never written; it is written under a temporary
 * name and renamed, so a crash never leaves a truncated one either. Throws SignetError (FILE_*, KEY_*,
 * SIGNATURE_*).
 */
export async function signRelease(
  files: readonly ReleaseFile[],
  key: PrivateKey | ShasumsSigner,
): Promise<SignReleaseResult> {
  const sums = files.filter((f) => parseArtifactName(f.fileName)?.kind === 'shasums');
  if (sums.length !== 1) {
    throw new SignetError(
      sums.length === 0 ? 'FILE_MISSING' : 'FILE_UNEXPECTED',
      sums.length === 0
        ? 'No terraform-provider-NAME_VERSION_SHA256SUMS file to sign; run `signet package` first.'
        : `Found ${sums.length} SHA256SUMS files (${sums.map((s) => JSON.stringify(s.fileName)).join(', ')}); sign one release at a time.`,
    );
  }
  const shasums = sums[0]!;
  const signer: ShasumsSigner = isSigner(key)
    ? key
    : { publicKey: key.toPublic(), sign: (bytes: Uint8Array) => signShasums(bytes, key) };
  const bytes = await readFile(shasums.path);
  const signature = await signer.sign(bytes, shasums.path);
  await assertVerifies(bytes, signature, signer.publicKey);
  const fileName = `${shasums.fileName}.sig`;
  const path = join(dirname(shasums.path), fileName);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, signature);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { shasums, signature: { fileName, path } };
}

function isSigner(key: PrivateKey | ShasumsSigner): key is ShasumsSigner {
  return 'sign' in key && 'publicKey' in key;
}

async function assertVerifies(shasums: Uint8Array, signature: Uint8Array, publicKey: KeyInput): Promise<void> {
  const result = await verifyShasumsSignature({ shasums, signature, keys: [publicKey] });
  if (result.valid) return;
  const problem = result.problems.find((p) => p.severity === 'error') ?? result.problems[0];
  throw new SignetError(
    problem?.code ?? 'SIGNATURE_INVALID',
    `The new signature does not verify with the signing key's public half, so it was not written: ${problem?.message ?? 'no reason given'}`,
  );
}
