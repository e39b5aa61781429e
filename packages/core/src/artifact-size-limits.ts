import { open } from 'node:fs/promises';

import { createProblem, type Problem, type ProblemCode } from './problem';
import type { ReleaseFile } from './release-files';

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

/** What `readCapped` found: the bytes, or that the file is over the cap (and its size when the file system knows it). */
export type CappedRead = { bytes: Buffer } | { tooLarge: true; size?: number };

/**
 * Reads a file whole only when it has at most `maxBytes` bytes. A regular file over the cap is refused from its
 * size without reading; anything else (a device, a FIFO, a file that grows) is read until one byte past the cap
 * and no further, so memory stays bounded by the cap whatever the path points at.
 */
export async function readCapped(path: string, maxBytes: number): Promise<CappedRead> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isFile() && info.size > maxBytes) return { tooLarge: true, size: info.size };
    const buffer = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes)
      return info.isFile() ? { tooLarge: true, size: Math.max(info.size, filled) } : { tooLarge: true };
    return { bytes: buffer.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}

const WHAT_IT_HOLDS: Record<CappedArtifactKind, string> = {
  shasums: 'a SHA256SUMS holds one line per zip and the manifest, a few KiB',
  signature: 'a detached signature is under 1 KiB',
  manifest: 'a manifest is under 200 bytes',
};

/**
 * A small artifact's bytes, read only up to its cap (ARTIFACT_SIZE_LIMITS): a 300 MiB "SHA256SUMS" is a
 * problem found from its size, not 300 MiB of memory. Undefined, with a problem, when it is over the cap or
 * cannot be read.
 */
export async function readArtifact(
  file: ReleaseFile,
  kind: CappedArtifactKind,
  problems: Problem[],
): Promise<Buffer | undefined> {
  try {
    const read = await readCapped(file.path, ARTIFACT_SIZE_LIMITS[kind]);
    if ('bytes' in read) return read.bytes;
    problems.push(createOversizeProblem(file.fileName, kind, read));
  } catch (error) {
    problems.push(
      createProblem(
        ARTIFACT_PROBLEM_CODES[kind],
        `Cannot read ${JSON.stringify(file.fileName)}: ${error instanceof Error ? error.message : String(error)}.`,
        {
          file: file.fileName,
        },
      ),
    );
  }
  return undefined;
}

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
