import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { decryptPrivateKey, isSignetError } from '@signet/core';

import type { CliContext } from './context';
import { UsageError } from './context';

// An armored key with many signatures is some KiB; past this it is not a key file, and it is not read whole.
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * Reads a key file given on the command line. A missing file is a usage error naming the flag; so is anything that
 * is not a regular file (a folder gives EISDIR, and reading a FIFO or a device would block or never end) and a file
 * far larger than any key.
 */
export async function readKeyFile(context: CliContext, path: string, flag: string): Promise<Uint8Array> {
  const full = resolve(context.cwd, path);
  const info = await stat(full).catch(() => undefined);
  if (info === undefined) {
    throw new UsageError(`Cannot read ${flag} ${JSON.stringify(path)}: no such file.`, 'INPUT_INVALID');
  }
  if (!info.isFile()) {
    const kind = info.isDirectory() ? 'a folder' : info.isFIFO() ? 'a named pipe (FIFO)' : 'a device or socket';
    throw new UsageError(
      `Expected ${flag} ${JSON.stringify(path)} to be a key file (such as public.asc), found ${kind}; give the key file itself.`,
      'INPUT_INVALID',
    );
  }
  if (info.size > MAX_KEY_FILE_BYTES) {
    throw new UsageError(
      `Expected ${flag} ${JSON.stringify(path)} to be a key file of at most ${MAX_KEY_FILE_BYTES} bytes, found ${info.size} bytes; give the exported key itself.`,
      'INPUT_INVALID',
    );
  }
  try {
    return await readFile(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new UsageError(`Cannot read ${flag} ${JSON.stringify(path)} (${code}).`, 'INPUT_INVALID');
  }
}

/**
 * Loads and unlocks a private key. The passphrase only ever comes from SIGNET_GPG_PASSPHRASE: a flag would
 * end up in shell history and process listings.
 */
export async function loadPrivateKey(context: CliContext, path: string, flag = '--key') {
  const data = await readKeyFile(context, path, flag);
  const passphrase = context.env.SIGNET_GPG_PASSPHRASE || undefined;
  try {
    return await decryptPrivateKey(data, passphrase);
  } catch (error) {
    if (isSignetError(error, 'KEY_PASSPHRASE')) {
      const hint =
        passphrase === undefined
          ? 'the key is encrypted: set SIGNET_GPG_PASSPHRASE to its passphrase.'
          : 'SIGNET_GPG_PASSPHRASE does not decrypt it; check the variable (and that it holds no trailing newline).';
      throw new UsageError(`Cannot unlock ${flag} ${JSON.stringify(path)}: ${hint}`, 'KEY_PASSPHRASE');
    }
    throw error;
  }
}
