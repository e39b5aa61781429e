import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import yazl from 'yazl';

import { formatZh } from './hash-format';
import { hash1 } from './hashes';

/**
 * The timestamp of every entry: 2000-01-01 00:00. Not the DOS epoch (1980-01-01), because unzip tools that
 * convert local time to UTC turn it into 1979, which some (Python's zipfile) refuse. Built from local date parts
 * because DOS timestamps are local time: this way the stored fields read 2000-01-01 00:00 on every machine,
 * whatever its time zone, and the zip is byte-identical. `forceDosTimestamp` drops yazl's extended-timestamp
 * extra field, as `zip -X` drops its extra fields.
 */
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);

/** A regular file with mode 0755: terraform keeps the zip's mode when unpacking, and the provider must run. */
const EXECUTABLE_MODE = 0o100755;

/** zip's default level: the same size as `zip -X -D`, and deflate level 9 costs ~2x the time for ~1% less. */
const COMPRESSION_LEVEL = 6;

/** 1 MiB reads and writes: fewer, larger chunks through deflate and the hashes (measured with bench/package.ts). */
const CHUNK = 1 << 20;

/** What to zip, under which name, and where. */
export interface WriteProviderZipOptions {
  /** The executable to zip. */
  source: string;
  /** Its name inside the zip (`terraform-provider-NAME_vVERSION[.exe]`). */
  entryName: string;
  /** Where to write the zip. */
  out: string;
}

/** The hashes of a written zip, taken while it was written. */
export interface WrittenZip {
  /** SHA-256 (lower hex) of the zip's bytes, as SHA256SUMS lists it. */
  sha256: string;
  /** `zh:` + `sha256`. */
  zh: string;
  /** HashZip of the zip (equal to HashDir of the unpacked package, since there are no directory entries). */
  h1: string;
  /** The zip's size in bytes. */
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
  // yazl pipes the entry stream with .pipe(), which does not forward errors, and reports its own on the ZipFile:
  // both must end the output, or a vanished or growing input would hang (or crash) instead of failing.
  const output = zip.outputStream as Readable; // typed as the older NodeJS.ReadableStream, is a PassThrough
  const fail = (error: Error) => output.destroy(error);
  zip.on('error', fail);
  const entry = tap((chunk) => entryHash.update(chunk));
  const reading = pipeline(createReadStream(options.source, { highWaterMark: CHUNK }), entry);
  void reading.catch(fail);
  zip.addReadStreamLazy(
    options.entryName,
    {
      mtime: FIXED_MTIME,
      mode: EXECUTABLE_MODE,
      compressionLevel: COMPRESSION_LEVEL,
      forceDosTimestamp: true,
      size: inputSize,
    },
    (callback) => callback(null, entry),
  );
  zip.end();
  const writing = pipeline(
    output,
    tap((chunk) => {
      zipHash.update(chunk);
      size += chunk.length;
    }),
    createWriteStream(options.out, { highWaterMark: CHUNK }),
  );
  // A failed write (disk full) stops the reading too, which would otherwise wait on a consumer that is gone.
  void writing.catch((error: Error) => entry.destroy(error));
  // allSettled: on failure, return only once the output file is closed, so the caller can delete it.
  const settled = await Promise.allSettled([reading, writing]);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const sha256 = zipHash.digest('hex');
  return {
    sha256,
    zh: formatZh(sha256),
    h1: hash1([{ name: options.entryName, sha256: entryHash.digest('hex') }]),
    size,
  };
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
