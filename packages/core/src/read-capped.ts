import { open } from 'node:fs/promises';

import {
  ARTIFACT_PROBLEM_CODES,
  ARTIFACT_SIZE_LIMITS,
  createOversizeProblem,
  type CappedArtifactKind,
} from './artifact-size-limits';
import { createProblem, type Problem } from './problem';
import type { ReleaseFile } from './release-files';

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
