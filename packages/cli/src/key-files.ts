import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { decryptPrivateKey, isSignetError } from '@signet/core';

import type { CliContext } from './context';
import { UsageError } from './context';

/** Reads a key file given on the command line; a missing file is a usage error naming the flag. */
export async function readKeyFile(context: CliContext, path: string, flag: string): Promise<Uint8Array> {
  try {
    return await readFile(resolve(context.cwd, path));
  } catch {
    throw new UsageError(`Cannot read ${flag} ${JSON.stringify(path)}: no such file.`, 'INPUT_INVALID');
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
