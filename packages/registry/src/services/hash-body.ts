import { createHash } from 'node:crypto';

import { HttpError } from '../http/errors';

/** Hashes a body without keeping it, stopping (413) as soon as it passes `maxBytes`. */
export async function sha256Of(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > maxBytes)
      throw new HttpError(413, 'BLOB_TOO_LARGE', `Expected at most ${maxBytes} bytes for this file, found more.`, {
        Connection: 'close',
      });
    hash.update(chunk);
  }
  return hash.digest('hex');
}
