// A provider zip of any size without holding it in memory: one stored (uncompressed) executable entry whose
// bytes are `head` (a real executable's header, so the platform check sees a real binary) and then `filler`
// repeated, streamed to disk. For the desktop benchmark's 1 GiB upload.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import yazl from 'yazl';

export async function writeStoredZip(
  path: string,
  entry: { name: string; head: Buffer; filler: Buffer; size: number },
): Promise<void> {
  if (entry.filler.length === 0) throw new Error('writeStoredZip needs filler bytes');
  const zip = new yazl.ZipFile();
  const body = Readable.from(
    (function* () {
      yield entry.head;
      let left = entry.size - entry.head.length;
      while (left > 0) {
        const chunk = entry.filler.subarray(0, Math.min(left, entry.filler.length));
        yield chunk;
        left -= chunk.length;
      }
    })(),
  );
  zip.addReadStream(body, entry.name, {
    compress: false,
    mtime: new Date('2020-01-01T00:00:00Z'),
    mode: 0o100755,
    size: entry.size,
  });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}
