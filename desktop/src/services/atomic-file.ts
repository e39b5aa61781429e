// Every file the services keep is written whole or not at all (a temporary file in the same folder, then a
// rename), private (0600 files in 0700 folders): a crash never leaves half a key or half a settings file.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates a folder (and its parents) readable by the owner only. A folder that exists already keeps its mode:
 * `--data ~/somewhere` must not change the permissions of a folder the user made.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // mkdir's mode is masked by the umask (0700 & ~022 stays 0700, but a umask of 077 or 002 is not the only one).
  if (created !== undefined) await chmod(dir, PRIVATE_DIR_MODE);
}

/** Writes `path` atomically with mode 0600, creating its folder (0700) when missing. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
