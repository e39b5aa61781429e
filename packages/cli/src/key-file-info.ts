import { inspectKey, isSignetError, type KeyInfo } from '@signet/core';

import { UsageError, type CliContext } from './context';
import { readKeyFile } from './key-files';

/**
 * Reads a key file given on the command line and inspects it. A file that is no OpenPGP key at all is a usage error
 * naming the flag and the file (exit 2, like any unreadable input); a key that tofu/terraform cannot use is not: its
 * problems are in `info.problems`, for the command to report (exit 1).
 */
export async function readKeyFileInfo(
  context: CliContext,
  path: string,
  flag: string,
): Promise<{ data: Uint8Array; info: KeyInfo }> {
  const data = await readKeyFile(context, path, flag);
  try {
    return { data, info: await inspectKey(data) };
  } catch (error) {
    if (isSignetError(error, 'KEY_INVALID')) {
      throw new UsageError(`Cannot read ${flag} ${JSON.stringify(path)} as a key: ${error.message}`, error.code);
    }
    throw error;
  }
}
