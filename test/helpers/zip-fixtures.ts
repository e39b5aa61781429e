import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
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

/**
 * Renames an entry in place by patching its name bytes in the local header and the central directory. zip
 * writers refuse names such as `../evil`, which is exactly what an attacker's zip holds; the CRC does not
 * cover names, so the result is an otherwise valid zip.
 */
export async function renameZipEntry(path: string, from: string, to: string): Promise<void> {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('names must have the same byte length');
  const bytes = await readFile(path);
  const needle = Buffer.from(from);
  let replaced = 0;
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) {
    Buffer.from(to).copy(bytes, at);
    replaced++;
  }
  if (replaced < 2) throw new Error(`entry ${from} not found in both headers`);
  await writeFile(path, bytes);
}
