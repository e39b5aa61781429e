import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

import { SignetError } from './errors';
import { parseArtifactName } from './names';

/** One file of a release as the validator sees it: its artifact name and where its bytes are. */
export interface ReleaseFile {
  fileName: string;
  path: string;
}

/**
 * Lists the files of a release from folders and single files (the CLI's `validate dist/ extra.zip`).
 * Folders are read one level deep: a release is flat. Hidden files and Signet's temporary files are skipped,
 * and so is anything in a folder that is not a regular file. A path that is neither a regular file nor a folder
 * (a FIFO, `/dev/zero`, a socket) is refused before anything opens it: reading a FIFO blocks until a writer
 * comes, and a device never ends.
 */
export async function readReleaseFiles(paths: readonly string[]): Promise<ReleaseFile[]> {
  const files: ReleaseFile[] = [];
  for (const input of paths) {
    const path = resolve(input);
    const info = await statInput(input, path);
    if (info.isFile()) {
      files.push({ fileName: basename(path), path });
      continue;
    }
    if (!info.isDirectory()) {
      throw new SignetError(
        'INPUT_INVALID',
        `Expected a release file or folder at ${JSON.stringify(input)}, found ${describeKind(info)}; give the release folder (dist/) or its files.`,
      );
    }
    const entries = await readdir(path, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile() && !entry.name.startsWith('.'))
        files.push({ fileName: entry.name, path: join(path, entry.name) });
    }
  }
  return files.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}

async function statInput(input: string, path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    const why =
      code === 'ENOTDIR'
        ? 'a part of the path before the last one is a file, not a folder'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'ELOOP'
            ? 'too many symbolic links'
            : 'no such file or folder';
    throw new SignetError('INPUT_INVALID', `Cannot read ${JSON.stringify(input)}: ${why}.`, { cause });
  }
}

/** What a path that is neither a file nor a folder is, for a message. */
function describeKind(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'something that is neither a file nor a folder';
}

/** Keeps only the artifacts of one provider version (a dist/ folder may hold older releases too). */
export function selectReleaseFiles(files: readonly ReleaseFile[], name: string, version: string): ReleaseFile[] {
  return files.filter((file) => {
    const artifact = parseArtifactName(file.fileName);
    return artifact !== undefined && artifact.name === name && artifact.version === version;
  });
}
