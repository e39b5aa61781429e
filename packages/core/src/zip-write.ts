import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import yazl from 'yazl';

import { formatZh, hash1 } from './hashes';

/**
 * The timestamp of every entry. Built from local date parts because DOS timestamps are local time: this way the
 * stored fields read 2000-01-01 00:00 on every machine, whatever its time zone, and the zip is byte-identical.
 */
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);

/** A regular file with mode 0755: terraform keeps the zip's mode when unpacking, and the provider must run. */
const EXECUTABLE_MODE = 0o100755;

/** 1 MiB reads: fewer, larger chunks through deflate and the hashes. */
const CHUNK = 1 << 20;

export interface WriteProviderZipOptions {
  /** The executable to zip. */
  source: string;
  /** Its name inside the zip (`terraform-provider-NAME_vVERSION[.exe]`). */
  entryName: string;
  /** Where to write the zip. */
  out: string;
}

export interface WrittenZip {
  /** SHA-256 of the zip's bytes. */
  sha256: string;
  zh: string;
  h1: string;
  size: number;
}

/**
 * Zips one executable the way terraform wants it and reproducibly: a single entry at the root, no directory
 * entries, mode 0755, a fixed DOS timestamp and no extra fields (like `zip -X -D`), deflate level 6. The input is
 * read once and the output written once: the entry's SHA-256 (for h1:) is taken as it is read, the zip's (for
 * zh:) as it is written, so memory stays flat and nothing is read back.
 */
export async function writeProviderZip(options: WriteProviderZipOptions): Promise<WrittenZip> {
  const { size: inputSize } = await stat(options.source);
  const entryHash = createHash('sha256');
  const zipHash = createHash('sha256');
  let size = 0;
  const zip = new yazl.ZipFile();
  const input = createReadStream(options.source, { highWaterMark: CHUNK }).pipe(tap((chunk) => entryHash.update(chunk)));
  zip.addReadStreamLazy(
    options.entryName,
    { mtime: FIXED_MTIME, mode: EXECUTABLE_MODE, compressionLevel: 6, forceDosTimestamp: true, size: inputSize },
    (callback) => callback(null, input),
  );
  zip.end();
  await pipeline(
    zip.outputStream,
    tap((chunk) => {
      zipHash.update(chunk);
      size += chunk.length;
    }),
    createWriteStream(options.out, { highWaterMark: CHUNK }),
  );
  const sha256 = zipHash.digest('hex');
  return { sha256, zh: formatZh(sha256), h1: hash1([{ name: options.entryName, sha256: entryHash.digest('hex') }]), size };
}

function tap(onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _encoding, callback) {
      onChunk(chunk);
      callback(null, chunk);
    },
  });
}
