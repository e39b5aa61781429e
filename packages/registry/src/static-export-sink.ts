import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';

import { SignetError } from '@signet/core';

/** One object of a static export: where it goes and what a server must say about it. */
export interface StaticObject {
  /** Path under the export's root, `/`-separated, no leading `/`: `v1/providers/acme/hello/versions`. */
  path: string;
  /** SHA-256 (lower-case hex) of the bytes. */
  sha256: string;
  size: number;
  /** The `Content-Type` to serve it with (an object store sets it per object; nginx by location). */
  contentType: string;
  /** The `Cache-Control` to serve it with: long for files (immutable), short for JSON documents. */
  cacheControl: string;
}

/**
 * Where a static export is written. `exportStaticRegistry` decides what to write, compares and orders; a sink only
 * stores bytes: the file-system sink (`createFsStaticSink`) now, an S3 sink (PutObject with `ContentType` and
 * `CacheControl` per object, the SHA-256 in object metadata for `digest`) later, behind the same four calls.
 */
export interface StaticSink {
  /** Where it writes, for messages: a folder, `s3://bucket/prefix`. */
  readonly location: string;
  /**
   * The SHA-256 of what is stored at `object.path` when it is stored as `object` says (its size; on an object store
   * also its Content-Type and Cache-Control); `undefined` when nothing, or something stored otherwise, is there (so
   * a changed file of another size is never read to be compared, and an object of the wrong type is replaced).
   */
  digest(object: StaticObject): Promise<string | undefined>;
  /**
   * Stores the bytes `open` gives at `object.path`, replacing what is there so that a reader sees the old or the
   * new object, never part of one. The stream errors at its end when its bytes are not `object.sha256` (see
   * `checkDigest`); the sink must then keep the old object.
   */
  write(object: StaticObject, open: () => Promise<AsyncIterable<Uint8Array>>): Promise<void>;
  /** Removes `path`; nothing there is fine. */
  remove(path: string): Promise<void>;
  /** Every path stored under `prefix` (`v1/files/`): what an export may remove when it no longer writes it. */
  list(prefix: string): AsyncIterable<string>;
  /** Ends the export (the file-system sink saves its digest cache). */
  close(): Promise<void>;
}

/** The bytes of `source`, failing at the end (before a sink commits them) unless they are `sha256` and `size`. */
export function checkDigest(
  source: AsyncIterable<Uint8Array>,
  expected: { path: string; sha256: string; size: number },
): Transform {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest('hex');
      if (actual === expected.sha256 && size === expected.size) return callback();
      callback(
        new SignetError(
          'SHASUMS_MISMATCH',
          `${expected.path}: expected ${expected.size} bytes with SHA-256 ${expected.sha256}, read ${size} bytes with SHA-256 ${actual} from the blob store; the export kept what was there.`,
        ),
      );
    },
  });
  // pipeline destroys both ends on an error either side, so a failed or abandoned write closes the blob's stream.
  pipeline(Readable.from(source), tap, () => {});
  return tap;
}
