import { createHash } from 'node:crypto';

import { BlobTooLargeError } from '../storage/errors';

/** Hashes a body without keeping it, stopping (`BlobTooLargeError`) as soon as it passes `maxBytes`. */
export async function sha256Of(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
    hash.update(chunk);
  }
  return hash.digest('hex');
}
