import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import { SignetError } from './errors';
import { compareUtf8 } from './shasums';

/** A file of a package: its name (relative, `/`-separated) and the SHA-256 of its content. */
export interface HashedFile {
  name: string;
  sha256: string;
}

/**
 * Go's `dirhash.Hash1`, which terraform uses for `h1:` (terraform-protocol.md §4.1): a summary line
 * `<sha256 hex>  <name>\n` per file, names sorted by their UTF-8 bytes, then `h1:` + base64 of its SHA-256.
 * HashZip passes every zip entry (directory entries with the empty hash); HashDir passes regular files.
 */
export function hash1(files: readonly HashedFile[]): string {
  const summary = createHash('sha256');
  for (const file of [...files].sort((a, b) => compareUtf8(a.name, b.name))) {
    if (file.name.includes('\n')) {
      throw new SignetError(
        'ZIP_UNSAFE_PATH',
        `File name ${JSON.stringify(file.name)} contains a newline, which h1: hashes cannot express.`,
      );
    }
    summary.update(`${file.sha256}  ${file.name}\n`);
  }
  return `h1:${summary.digest('base64')}`;
}

/** SHA-256 (lower hex) of a file, streamed in 1 MiB reads so memory stays flat whatever its size. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * HashDir: terraform's `h1:` of an unpacked package folder, what it writes to lock files. Regular files only
 * (directories and symbolic links are not content), names relative with `/` separators. Files are hashed one
 * after another: a package is a handful of files, and a tree of thousands must not open them all at once.
 */
export async function hashDir(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: HashedFile[] = [];
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    files.push({ name: relative(dir, path).split(sep).join('/'), sha256: await sha256File(path) });
  }
  return hash1(files);
}
