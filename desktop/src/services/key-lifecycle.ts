// Change expiry and Revoke. Expiry lives in the self-signatures, so it is changed by re-signing them
// (openpgp.reformatKey, with the key's own user IDs), which needs the passphrase; a wrong one changes nothing.
// Revoke applies the revocation certificate kept at generation, which needs no passphrase.
import { inspectKey, readKey } from '@signet/core';
import * as openpgp from 'openpgp';
import type { PrivateKey, UserID } from 'openpgp';

import { DesktopError } from '../shared/errors';
import { unlockKey } from './key-unlock';
import { passphraseSecretName, type ServiceContext } from './service-context';

export async function changeKeyExpiry(
  context: ServiceContext,
  keyId: string,
  expires: Date | undefined,
  passphrase: string | undefined,
): Promise<void> {
  const stored = await context.keys.get(keyId);
  if ((await inspectKey(stored.armored)).revoked) {
    throw new DesktopError('CONFLICT', `Key ${keyId} is revoked; a revoked key cannot be extended. Make a new key.`);
  }
  const unlocked = await unlockKey(context, keyId, passphrase);
  const secret = passphrase ?? (await context.secrets.get(passphraseSecretName(keyId)));
  const created = unlocked.getCreationTime();
  // keyExpirationTime counts from the key's creation, not from now.
  const seconds = expires === undefined ? 0 : Math.ceil((expires.getTime() - created.getTime()) / 1000);
  const { privateKey, revocationCertificate } = await openpgp.reformatKey({
    privateKey: unlocked,
    userIDs: userIdsOf(unlocked),
    keyExpirationTime: seconds,
    // Dated at the key's creation, as the first self-signatures were: a self-signature made now would leave the
    // key without a valid one at the time of every release it signed before, so openpgp (and Signet's
    // validator) would call those signatures invalid ("creation time is in the future"); terraform would not.
    date: created,
    ...(secret === undefined ? {} : { passphrase: secret }),
    format: 'object',
    config: { v6Keys: false },
  });
  await context.keys.write(keyId, 'revocation', revocationCertificate);
  await context.keys.write(keyId, 'private', privateKey.armor());
  context.log('info', `Changed the expiry of key ${keyId}.`);
}

export async function revokeKey(context: ServiceContext, keyId: string): Promise<void> {
  const stored = await context.keys.get(keyId);
  if (stored.revocationCertificate === undefined) {
    throw new DesktopError(
      'UNSUPPORTED',
      `Signet has no revocation certificate for key ${keyId} (it keeps one for the keys it generates); revoke it where it was made (gpg --gen-revoke) and import the revoked public key.`,
    );
  }
  const key = await readKey(stored.armored);
  const { privateKey, publicKey } = await openpgp.revokeKey({
    key: key as PrivateKey,
    revocationCertificate: stored.revocationCertificate,
    format: 'object',
  });
  await context.keys.write(keyId, stored.hasPrivateKey ? 'private' : 'public', (privateKey ?? publicKey).armor());
  context.log('info', `Revoked key ${keyId}.`);
}

function userIdsOf(key: PrivateKey): UserID[] {
  const ids = key.users.flatMap((user) => (user.userID ? [user.userID] : []));
  return ids.map((id) => ({ name: id.name, email: id.email, ...(id.comment ? { comment: id.comment } : {}) }));
}
