import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { SignetError } from './errors';
import type { PrivateKey } from 'openpgp';
import { parseArtifactName } from './names';
import type { ReleaseFile } from './release-files';
import { signShasums } from './signature';

export interface SignReleaseResult {
  shasums: ReleaseFile;
  signature: ReleaseFile;
}

/**
 * Signs a release's SHA256SUMS with a binary detached signature and writes `…_SHA256SUMS.sig` next to it.
 * The file is written under a temporary name and renamed, so a crash never leaves a truncated signature.
 */
export async function signRelease(files: readonly ReleaseFile[], privateKey: PrivateKey): Promise<SignReleaseResult> {
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
  const signature = await signShasums(await readFile(shasums.path), privateKey);
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
