import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { SignetError } from '@signet/core';

import type { CliContext } from './context';

/** Where SIGNET_KEYRING was looked in for a key, and what was found. */
export type SignetKeyringLookup =
  | { status: 'unset' }
  | { status: 'absent'; dir: string; path: string }
  | { status: 'found'; dir: string; path: string };

/**
 * Signet's own key store, the folder SIGNET_KEYRING names (the desktop app writes the same layout): one
 * passphrase-encrypted armored private key per file, named after its primary key's long ID, upper case:
 * `<KEYID>.asc` (for example `3AA5C34371567BD2.asc`). A fingerprint is looked up by its last 16 hex, the long ID.
 * Nothing else in the folder is read. An unset SIGNET_KEYRING is no store; one that is not a folder is an error,
 * since a typo there would otherwise silently fall through to the gpg keyring.
 */
export async function findInSignetKeyring(context: CliContext, keyId: string): Promise<SignetKeyringLookup> {
  const setting = context.env.SIGNET_KEYRING;
  if (setting === undefined || setting === '') return { status: 'unset' };
  const dir = resolve(context.cwd, setting);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    const found = info === undefined ? 'nothing there' : 'a file';
    throw new SignetError(
      'INPUT_INVALID',
      `Expected SIGNET_KEYRING ${JSON.stringify(setting)} to be a folder of <KEYID>.asc private keys, found ${found}; fix the variable or unset it.`,
    );
  }
  const path = join(dir, `${keyId.slice(-16)}.asc`);
  const file = await stat(path).catch(() => undefined);
  return { status: file === undefined ? 'absent' : 'found', dir, path };
}

/** How a lookup reads in a message: "SIGNET_KEYRING is not set" or "SIGNET_KEYRING has no /dir/ID.asc". */
export function describeSignetKeyringLookup(lookup: SignetKeyringLookup): string {
  return lookup.status === 'unset'
    ? 'SIGNET_KEYRING is not set'
    : `SIGNET_KEYRING has no ${JSON.stringify(lookup.path)}`;
}
