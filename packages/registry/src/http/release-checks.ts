import { isKnownPlatform, KNOWN_ARCH, KNOWN_OS, parseArtifactName } from '@signet/core';
import { unsafeReason } from '@signet/core/node';

import { HttpError } from './errors';

// What the registry checks of an uploaded file's name, before it reads a byte or looks anything up: only one of this
// version's four artifact kinds, for a real platform, of a sane length, ever reaches a service or storage.

/**
 * Longest file name accepted: the longest real artifact (a 64-character type, a long pre-release, the longest
 * platform) stays well below it, and 255 is what most file systems allow anyway.
 */
export const MAX_FILE_NAME_LENGTH = 255;

/** A file name must be one of this version's artifacts; anything else is a 400 (or 422 for another version's). */
export function checkFileName(file: string, type: string, version: string): void {
  if (file.length > MAX_FILE_NAME_LENGTH) {
    throw new HttpError(
      400,
      'FILENAME_INVALID',
      `Expected a file name of at most ${MAX_FILE_NAME_LENGTH} characters, found ${file.length}; upload release artifacts by their plain names.`,
    );
  }
  const unsafe =
    file.includes('/') || file.includes('\\') || file.includes('\0')
      ? 'it has a path separator or NUL'
      : unsafeReason(file);
  if (unsafe !== undefined || file === '.' || file === '..') {
    throw new HttpError(
      400,
      'FILENAME_INVALID',
      `File name ${JSON.stringify(file)} is refused: ${unsafe ?? 'it is a path'}. Upload release artifacts by their plain names.`,
    );
  }
  const artifact = parseArtifactName(file);
  if (!artifact) {
    throw new HttpError(
      400,
      'FILENAME_INVALID',
      `${JSON.stringify(file)} is not a release artifact; expected terraform-provider-${type}_${version}_OS_ARCH.zip, _SHA256SUMS, _SHA256SUMS.sig or _manifest.json.`,
    );
  }
  if (artifact.name !== type) {
    throw new HttpError(
      422,
      'FILENAME_NAME_MISMATCH',
      `${file} is named for provider ${JSON.stringify(artifact.name)}, but this is ${JSON.stringify(type)}.`,
    );
  }
  if (artifact.version !== version) {
    throw new HttpError(
      422,
      'FILENAME_VERSION_MISMATCH',
      `${file} is named for version ${artifact.version}, but this draft is ${version}.`,
    );
  }
  if (artifact.kind === 'zip' && !isKnownPlatform(artifact.platform)) {
    throw new HttpError(
      400,
      'PLATFORM_UNKNOWN',
      `${file} is for platform ${JSON.stringify(artifact.platform)}, which terraform does not run on; expected os_arch with os one of ${KNOWN_OS.join(', ')} and arch one of ${KNOWN_ARCH.join(', ')} (e.g. "linux_amd64").`,
    );
  }
}
