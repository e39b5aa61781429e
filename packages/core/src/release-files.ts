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
 * Folders are read one level deep: a release is flat. Hidden files and Signet's temporary files are skipped.
 */
export async function readReleaseFiles(paths: readonly string[]): Promise<ReleaseFile[]> {
  const files: ReleaseFile[] = [];
  for (const input of paths) {
    const path = resolve(input);
    const info = await stat(path).catch((cause: unknown) => {
      throw new SignetError('INPUT_INVALID', `Cannot read ${JSON.stringify(input)}: no such file or folder.`, {
        cause,
      });
    });
    if (info.isFile()) {
      files.push({ fileName: basename(path), path });
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile() && !entry.name.startsWith('.'))
        files.push({ fileName: entry.name, path: join(path, entry.name) });
    }
  }
  return files.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}

/** Keeps only the artifacts of one provider version (a dist/ folder may hold older releases too). */
export function selectReleaseFiles(files: readonly ReleaseFile[], name: string, version: string): ReleaseFile[] {
  return files.filter((file) => {
    const artifact = parseArtifactName(file.fileName);
    return artifact !== undefined && artifact.name === name && artifact.version === version;
  });
}
