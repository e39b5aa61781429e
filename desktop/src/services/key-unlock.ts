// Unlocking a stored private key with a given or a remembered passphrase. A wrong passphrase is BAD_PASSPHRASE
// and nothing else happens; the passphrase never appears in a message.
import { decryptPrivateKey, isSignetError } from '@signet/core';
import type { PrivateKey } from 'openpgp';

import { DesktopError } from '../shared/errors';
import { passphraseSecretName, type ServiceContext } from './service-context';

/** The decrypted private key of `keyId`; without `passphrase`, the remembered one. */
export async function unlockKey(
  context: ServiceContext,
  keyId: string,
  passphrase: string | undefined,
): Promise<PrivateKey> {
  const stored = await context.keys.get(keyId);
  if (!stored.hasPrivateKey) {
    throw new DesktopError(
      'NOT_FOUND',
      `Signet holds only the public key of ${keyId}; import its private key to sign or change it.`,
    );
  }
  const given = passphrase ?? (await rememberedPassphrase(context, keyId));
  if (given === undefined) {
    throw new DesktopError('BAD_PASSPHRASE', `Key ${keyId} needs its passphrase, and none is remembered; give it.`);
  }
  return decryptWith(stored.armored, given, keyId);
}

/** Decrypts armored private key text, mapping the core's KEY_PASSPHRASE to BAD_PASSPHRASE. */
export async function decryptWith(
  armored: string | PrivateKey,
  passphrase: string,
  keyId: string,
): Promise<PrivateKey> {
  try {
    return await decryptPrivateKey(armored, passphrase);
  } catch (error) {
    if (isSignetError(error, 'KEY_PASSPHRASE')) {
      throw new DesktopError('BAD_PASSPHRASE', `The passphrase for key ${keyId} is wrong; nothing was changed.`);
    }
    throw error;
  }
}

async function rememberedPassphrase(context: ServiceContext, keyId: string): Promise<string | undefined> {
  try {
    return await context.secrets.get(passphraseSecretName(keyId));
  } catch {
    context.log('warn', `The remembered passphrase of key ${keyId} could not be unsealed; asking for it instead.`);
    return undefined;
  }
}
