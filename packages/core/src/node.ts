// @signet/core/node — the parts of the core that need Node: they read and write files (release folders, zips,
// signet.yaml) or hash big files with node:crypto streams. The root `@signet/core` holds only the pure modules
// (names, platforms, versions, manifest, SHA256SUMS, keys, signatures, problems), importable by a browser bundle.
// This file is the subpath's whole public surface.

// Hashes of files and folders (h1:)
export { hash1, hashDir, sha256File, type HashedFile } from './hashes';

// Release folders: their files, and the small artifacts read up to their cap
export { readReleaseFiles, selectReleaseFiles, type ReleaseFile } from './release-files';
export { readCapped, type CappedRead } from './read-capped';

// Zips and packaging
export {
  DEFAULT_ZIP_LIMITS,
  inflateBudget,
  inspectZip,
  unsafeReason,
  type InflateBudget,
  type InspectZipOptions,
  type ZipInspection,
  type ZipLimits,
} from './zip-inspect';
// Files read by byte ranges where they lie (a blob in object storage), for inspectZip and validateRelease
export type { RandomAccessFile, RandomAccessReleaseFile } from './random-access-file';
export { writeProviderZip, type WriteProviderZipOptions, type WrittenZip } from './zip-write';
export { collectInputs, platformOfDir, type CollectedArtifact } from './collect';
export { packageRelease, type PackageOptions, type PackageResult, type PackagedFile } from './package';

// Signing a release folder (writes the .sig)
export { signRelease, type ShasumsSigner, type SignReleaseResult } from './sign-release';

// Validation of a release folder
export {
  validateRelease,
  type PlatformReport,
  type ReleaseReport,
  type ValidatedFile,
  type ValidateReleaseOptions,
} from './validate';
export { createValidationCache, type ValidationCache } from './validation-cache';

// Configuration (signet.yaml)
export {
  parseKeyId,
  parseReleaseConfig,
  readReleaseConfig,
  type ReleaseConfig,
  type ReleaseInput,
} from './release-config';
