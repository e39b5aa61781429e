import { ARTIFACT_SIZE_LIMITS, createOversizeProblem, type ArtifactName } from '@signet/core';

import { HttpError } from '../http/errors';

/**
 * How many bytes one upload may send, and the answer to one that sends more. The 413 does not ask to close the
 * connection: a server that hangs up while the client is still sending resets it, and over TLS the client then sees
 * EPIPE instead of the answer. Kept open, the client reads the answer and hangs up itself (undici does as soon as
 * the answer is complete); the rest of the body is never stored, and the request timeout bounds a client that
 * keeps sending.
 */
export interface UploadCap {
  maxBytes: number;
  /** The 413 for a body over `maxBytes`: `size` when Content-Length told it, undefined when cut off while streaming. */
  refuse(size: number | undefined): HttpError;
}

/**
 * The cap of one upload. Zips carry the provider and take the server's `maxFileBytes` (413 BLOB_TOO_LARGE).
 * SHA256SUMS, `.sig` and manifest take the validator's own caps (ARTIFACT_SIZE_LIMITS of the core, the one source of
 * those numbers): a larger file is one the publish would refuse anyway, so the upload is refused at once with the
 * very problem `signet validate` reports for that file (SHASUMS_MALFORMED, SIGNATURE_INVALID or MANIFEST_INVALID,
 * `file` set), as a 413. Only a server whose `maxFileBytes` is below such a cap answers BLOB_TOO_LARGE for them.
 */
export function uploadCapOf(fileName: string, kind: ArtifactName['kind'], maxFileBytes: number): UploadCap {
  if (kind !== 'zip' && ARTIFACT_SIZE_LIMITS[kind] <= maxFileBytes) {
    return {
      maxBytes: ARTIFACT_SIZE_LIMITS[kind],
      refuse: (size) =>
        HttpError.problems([createOversizeProblem(fileName, kind, size === undefined ? {} : { size })], 413),
    };
  }
  return {
    maxBytes: maxFileBytes,
    refuse: (size) =>
      new HttpError(
        413,
        'BLOB_TOO_LARGE',
        `Expected ${fileName} to be at most ${maxFileBytes} bytes (this registry's file size limit), found ${size === undefined ? 'more' : `${size} bytes`}; send the real artifact, or raise the limit (signet serve --max-file-size).`,
      ),
  };
}
