// @signet/core — the one validation and signing core shared by the CLI, the Action, the registry and the
// desktop app. This file is the package's whole public surface.

// Problems and errors
export { PROBLEM_CODES, createProblem, hasErrors, type Problem, type ProblemCode, type Severity } from './problem';
export { compareProblems, sortProblems } from './problem-order';
export { SignetError, isSignetError } from './errors';

// Names, platforms, versions
export {
  assertNamespace,
  assertProviderName,
  formatExecutableName,
  formatManifestName,
  formatShasumsName,
  formatSignatureName,
  formatZipName,
  isValidNamespace,
  isValidProviderName,
  parseArtifactName,
  parseExecutableName,
  type ArtifactName,
  type ExecutableName,
} from './names';
export {
  DEFAULT_PLATFORMS,
  KNOWN_ARCH,
  KNOWN_OS,
  formatPlatform,
  isKnownPlatform,
  parsePlatform,
  type Platform,
} from './platforms';
export { checkProtocols, isValidVersion, normalizeProtocols, parseProtocolVersion, parseVersion } from './versions';

// Release files: manifest, SHA256SUMS, hashes
export { formatManifest, parseManifest } from './manifest';
export { compareUtf8, formatShasums, parseShasums, type ShasumsEntry } from './shasums';
export { EMPTY_SHA256, formatZh, hash1, hashDir, sha256File, type HashedFile } from './hashes';
export { readReleaseFiles, selectReleaseFiles, type ReleaseFile } from './release-files';
export {
  ARTIFACT_PROBLEM_CODES,
  ARTIFACT_SIZE_LIMITS,
  createOversizeProblem,
  readCapped,
  type CappedArtifactKind,
  type CappedRead,
} from './artifact-size-limits';

// Zips and packaging
export { BINARY_HEADER_BYTES, detectBinaryPlatform, type BinaryPlatform } from './binary-platform';
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
export { writeProviderZip, type WriteProviderZipOptions, type WrittenZip } from './zip-write';
export { collectInputs, platformOfDir, type CollectedArtifact } from './collect';
export { packageRelease, type PackageOptions, type PackageResult, type PackagedFile } from './package';

// OpenPGP
export {
  decryptPrivateKey,
  formatKeyId,
  inspectKey,
  readKey,
  readPublicKeyArmored,
  type KeyInfo,
  type KeyInput,
} from './keys';
export { generateKey, type GenerateKeyOptions, type GeneratedKey, type KeyAlgorithm } from './key-generate';
export {
  dearmorSignature,
  isArmoredSignature,
  signShasums,
  verifyShasumsSignature,
  type SignatureVerification,
  type VerifyShasumsSignatureOptions,
} from './signature';
export { signRelease, type ShasumsSigner, type SignReleaseResult } from './sign-release';

// Validation
export { validateRelease, type PlatformReport, type ReleaseReport, type ValidateReleaseOptions } from './validate';

// Configuration (signet.yaml)
export {
  parseKeyId,
  parseReleaseConfig,
  readReleaseConfig,
  type ReleaseConfig,
  type ReleaseInput,
} from './release-config';
