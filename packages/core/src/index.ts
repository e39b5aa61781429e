// @signet/core — the one validation and signing core shared by the CLI, the Action, the registry and the
// desktop app. This root holds only the pure modules: no `node:*` import, no Buffer, so a browser bundle (the
// desktop's renderer) can import it (runtime-split.test.ts checks). What reads or writes files, or hashes them with
// node:crypto streams, is `@signet/core/node` (node.ts). Together the two files are the package's public surface.

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

// Release files: manifest, SHA256SUMS, hash formats, the size caps of the small artifacts
export { formatManifest, parseManifest } from './manifest';
export { compareUtf8, formatShasums, parseShasums, type ShasumsEntry } from './shasums';
export { EMPTY_SHA256, formatZh } from './hash-format';
export {
  ARTIFACT_PROBLEM_CODES,
  ARTIFACT_SIZE_LIMITS,
  createOversizeProblem,
  type CappedArtifactKind,
} from './artifact-size-limits';

// Executables
export { BINARY_HEADER_BYTES, detectBinaryPlatform, type BinaryPlatform } from './binary-platform';

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
