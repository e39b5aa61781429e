import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import yazl from 'yazl';

export interface FixtureEntry {
  name: string;
  data?: Buffer;
  directory?: boolean;
}

/** Writes a zip with the given entries (yazl, deflated), for malformed-release fixtures. */
export async function writeFixtureZip(path: string, entries: readonly FixtureEntry[]): Promise<void> {
  const zip = new yazl.ZipFile();
  const mtime = new Date('2020-01-01T00:00:00Z');
  for (const entry of entries) {
    if (entry.directory) zip.addEmptyDirectory(entry.name, { mtime });
    else zip.addBuffer(entry.data ?? Buffer.alloc(0), entry.name, { mtime, mode: 0o100755 });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

// Shared with core's security regressions, which need it too.
export { renameZipEntry } from '@signet/core/testing';
