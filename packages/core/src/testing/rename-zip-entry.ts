import { readFile, writeFile } from 'node:fs/promises';

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
