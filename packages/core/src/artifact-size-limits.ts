import { createProblem, type Problem, type ProblemCode } from './problem';

/**
 * The most bytes each small release artifact may have: the validator reads no more than this of a file, and the
 * registry can refuse larger uploads at once with the same numbers. Far above real files (a SHA256SUMS for
 * every platform terraform knows is about 6 KiB, a signature under 1 KiB, a manifest under 200 bytes), far
 * below what hurts a server that reads them into memory. Zips have no fixed cap here: they are streamed, and
 * bounded by `ZipLimits` while inflating.
 */
export const ARTIFACT_SIZE_LIMITS = {
  shasums: 1024 * 1024,
  signature: 64 * 1024,
  manifest: 64 * 1024,
} as const satisfies Record<'shasums' | 'signature' | 'manifest', number>;

/** The artifact kinds with a size cap. */
export type CappedArtifactKind = keyof typeof ARTIFACT_SIZE_LIMITS;

/** The problem code of a capped artifact that is over its cap or cannot be read. */
export const ARTIFACT_PROBLEM_CODES = {
  shasums: 'SHASUMS_MALFORMED',
  signature: 'SIGNATURE_INVALID',
  manifest: 'MANIFEST_INVALID',
} as const satisfies Record<CappedArtifactKind, ProblemCode>;

const WHAT_IT_HOLDS: Record<CappedArtifactKind, string> = {
  shasums: 'a SHA256SUMS holds one line per zip and the manifest, a few KiB',
  signature: 'a detached signature is under 1 KiB',
  manifest: 'a manifest is under 200 bytes',
};

/**
 * The problem of a small artifact over its cap, with the size found when it is known. One wording for `signet
 * validate` and for a registry that refuses the upload from its size (before reading it).
 */
export function createOversizeProblem(fileName: string, kind: CappedArtifactKind, found: { size?: number }): Problem {
  const limit = ARTIFACT_SIZE_LIMITS[kind];
  return createProblem(
    ARTIFACT_PROBLEM_CODES[kind],
    `${JSON.stringify(fileName)} ${describeOversize(found, limit)}; the limit is ${limit} bytes (${WHAT_IT_HOLDS[kind]}), so it was not read. Regenerate it with signet package / signet sign.`,
    { file: fileName },
  );
}

/** "is 314572800 bytes" or "has more than 1048576 bytes", for a problem about an artifact over its cap. */
export function describeOversize(read: { size?: number }, maxBytes: number): string {
  return read.size === undefined ? `has more than ${maxBytes} bytes` : `is ${read.size} bytes`;
}
