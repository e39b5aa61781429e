// The Keys area's channels: thin handlers over @signet/core's keys and the key store. Private keys stay
// passphrase-encrypted on disk and never come back in a result; only public keys and views do.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { generateKey, inspectKey, readPublicKeyArmored } from '@signet/core';
import * as openpgp from 'openpgp';

import type { KeyView, ServiceHandlers } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { writeFileAtomic } from './atomic-file';
import { parseExpires } from './expiry';
import { importKey } from './key-import';
import { changeKeyExpiry, revokeKey } from './key-lifecycle';
import { decryptWith } from './key-unlock';
import { formatKeyView } from './key-views';
import { passphraseSecretName, type ServiceContext } from './service-context';

type KeyHandlers = Pick<
  ServiceHandlers,
  | 'keysList'
  | 'keysGenerate'
  | 'keysImport'
  | 'keysPublicKey'
  | 'keysSavePublicKey'
  | 'keysBackUpPrivateKey'
  | 'keysChangeExpiry'
  | 'keysRevoke'
  | 'keysDelete'
  | 'keysRememberPassphrase'
  | 'keysForgetPassphrase'
>;

export function createKeyHandlers(context: ServiceContext): KeyHandlers {
  const { keys, secrets } = context;
  return {
    async keysList() {
      const views: KeyView[] = [];
      for (const keyId of await keys.list()) {
        const view = await readKeyView(context, keyId).catch((error: unknown) => {
          context.log('warn', `Key file of ${keyId} cannot be read: ${(error as Error).message}`);
          return undefined;
        });
        if (view) views.push(view);
      }
      return views;
    },
    async keysGenerate(input) {
      const generated = await generateKey({
        name: input.name,
        email: input.email,
        algorithm: input.algorithm,
        expires: parseExpires(input.expires),
        passphrase: input.passphrase,
      });
      const keyId = generated.info.keyId;
      const unlocked = await decryptWith(generated.privateKeyArmored, input.passphrase, keyId);
      const { privateKey: revoked } = await openpgp.revokeKey({ key: unlocked, format: 'object' });
      // MaybeStream<string>: a string for a key that is not a stream.
      const certificate: unknown = await revoked.getRevocationCertificate();
      if (typeof certificate === 'string') await keys.write(keyId, 'revocation', certificate);
      await keys.write(keyId, 'private', generated.privateKeyArmored);
      context.log('info', `Generated key ${keyId} (${generated.info.algorithm}).`);
      return readKeyView(context, keyId);
    },
    async keysImport(input) {
      const { keyId, merged } = await importKey(context, input);
      return { key: await readKeyView(context, keyId), merged };
    },
    async keysPublicKey({ keyId }) {
      return { armored: await readPublicKeyArmored((await keys.get(keyId)).armored) };
    },
    async keysSavePublicKey({ keyId, path }) {
      const target = resolve(path);
      await writeFile(target, await readPublicKeyArmored((await keys.get(keyId)).armored));
      return { path: target };
    },
    async keysBackUpPrivateKey({ keyId, path }) {
      const stored = await keys.get(keyId);
      if (!stored.hasPrivateKey) {
        throw new DesktopError(
          'NOT_FOUND',
          `Signet holds only the public key of ${keyId}: there is no private key to back up.`,
        );
      }
      const target = resolve(path);
      // The encrypted armored key as stored: the backup needs the same passphrase to be used.
      await writeFileAtomic(target, stored.armored);
      return { path: target };
    },
    async keysChangeExpiry(input) {
      await changeKeyExpiry(context, input.keyId, parseExpires(input.expires), input.passphrase);
      return {
        key: await readKeyView(context, input.keyId),
        note: `The expiry lives in the public key's self-signature: re-add the public key of ${input.keyId} to each registry (and anywhere else it is published) so they see the new expiry.`,
      };
    },
    async keysRevoke({ keyId }) {
      await revokeKey(context, keyId);
      return {
        key: await readKeyView(context, keyId),
        note: `Key ${keyId} is revoked: terraform refuses signatures by a revoked key once it sees the revocation. Re-add its public key to each registry, and sign new releases with another key.`,
      };
    },
    async keysDelete({ keyId, confirmKeyId }) {
      if (confirmKeyId !== keyId) {
        throw new DesktopError(
          'INPUT_INVALID',
          `To delete key ${keyId}, type its key ID exactly; got ${JSON.stringify(confirmKeyId)}.`,
        );
      }
      await keys.get(keyId);
      await keys.remove(keyId);
      await secrets.remove(passphraseSecretName(keyId));
      context.log('info', `Deleted key ${keyId}.`);
      return { deleted: true };
    },
    async keysRememberPassphrase({ keyId, passphrase }) {
      await secrets.assertAvailable();
      const stored = await keys.get(keyId);
      if (!stored.hasPrivateKey) throw new DesktopError('NOT_FOUND', `Signet holds only the public key of ${keyId}.`);
      await decryptWith(stored.armored, passphrase, keyId);
      await secrets.putSealed(passphraseSecretName(keyId), passphrase);
      return { remembered: true };
    },
    async keysForgetPassphrase({ keyId }) {
      return { forgotten: await secrets.remove(passphraseSecretName(keyId)) };
    },
  };
}

/** The Keys table's row for a stored key. */
export async function readKeyView(context: ServiceContext, keyId: string): Promise<KeyView> {
  const stored = await context.keys.get(keyId);
  const info = await inspectKey(stored.armored);
  return formatKeyView(info, {
    hasPrivateKey: stored.hasPrivateKey,
    hasRevocationCertificate: stored.revocationCertificate !== undefined,
    passphraseRemembered: (await context.secrets.storageOf(passphraseSecretName(keyId))) !== undefined,
  });
}
