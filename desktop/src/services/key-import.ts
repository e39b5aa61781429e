// Import key: armored or binary, public or private. A private key is always encrypted at rest: one imported
// unencrypted is encrypted with the given passphrase; one imported encrypted must open with the given passphrase
// (else BAD_PASSPHRASE and nothing is written). A key whose ID Signet holds already is merged into it (an updated
// expiry or a revocation made elsewhere), and the answer says merged.
import { formatKeyId, isSignetError, readKey } from '@signet/core';
import * as openpgp from 'openpgp';
import type { Key, PrivateKey } from 'openpgp';

import type { ChannelArgs } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { decryptWith } from './key-unlock';
import type { ServiceContext } from './service-context';

export async function importKey(
  context: ServiceContext,
  input: ChannelArgs<'keysImport'>,
): Promise<{ keyId: string; merged: boolean }> {
  const key = await parseImported(input);
  const keyId = formatKeyId(key);
  const existing = await context.keys.find(keyId);
  const previous = existing === undefined ? undefined : await readKey(existing.armored);

  if (!key.isPrivate()) {
    if (previous === undefined) {
      await context.keys.write(keyId, 'public', key.armor());
      return { keyId, merged: false };
    }
    const merged = await mergeKeys(previous, key);
    await context.keys.write(keyId, merged.isPrivate() ? 'private' : 'public', merged.armor());
    return { keyId, merged: true };
  }

  const encrypted = await encryptedPrivateKey(key, input.passphrase, keyId);
  const merged = previous === undefined ? encrypted : await mergeKeys(encrypted, previous.toPublic());
  await context.keys.write(keyId, 'private', merged.armor());
  return { keyId, merged: previous !== undefined };
}

async function parseImported(input: ChannelArgs<'keysImport'>): Promise<Key> {
  const data = input.key ?? new Uint8Array(Buffer.from(input.binaryBase64 ?? '', 'base64'));
  try {
    return await readKey(data);
  } catch (error) {
    if (isSignetError(error)) throw new DesktopError('INPUT_INVALID', error.message, { cause: error });
    throw error;
  }
}

/** The key as it is kept: encrypted with `passphrase` (which must open it when it came encrypted). */
async function encryptedPrivateKey(
  key: PrivateKey,
  passphrase: string | undefined,
  keyId: string,
): Promise<PrivateKey> {
  if (passphrase === undefined) {
    throw new DesktopError(
      key.isDecrypted() ? 'INPUT_INVALID' : 'BAD_PASSPHRASE',
      key.isDecrypted()
        ? `Private key ${keyId} is not protected by a passphrase; give one, and Signet keeps it encrypted with it.`
        : `Private key ${keyId} is protected by a passphrase; give it to import the key.`,
    );
  }
  if (!key.isDecrypted()) {
    await decryptWith(key, passphrase, keyId); // proves the passphrase; the stored copy stays as it came
    return key;
  }
  return openpgp.encryptKey({ privateKey: key, passphrase });
}

/** `target` with the signatures (expiry, revocation, user IDs) of `source` added; secret material kept. */
async function mergeKeys(target: Key, source: Key): Promise<Key> {
  try {
    return await target.update(source.toPublic());
  } catch (error) {
    throw new DesktopError(
      'CONFLICT',
      `Cannot merge the imported key into key ${formatKeyId(target)}: ${(error as Error).message}.`,
      { cause: error },
    );
  }
}
