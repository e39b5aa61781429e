// Secrets at rest under DATA/secrets: sealed by the vault (`NAME.sealed`), or, only where the user accepted it,
// plain (`NAME.plain`, 0600). Names are fixed by the services (`passphrase-KEYID`, `registry-ID-token`), never
// taken from input.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { DesktopError } from '../shared/errors';
import { writeFileAtomic } from './atomic-file';
import type { SecretVault } from './secret-vault';

export type SecretStorage = 'safeStorage' | 'plain';

export interface SecretStore {
  /** Seals `value` with the vault; refused (SECRET_STORAGE_UNAVAILABLE, with the reason) when it cannot. */
  putSealed(name: string, value: string): Promise<void>;
  /** Keeps `value` in a 0600 file: only with the user's consent. */
  putPlain(name: string, value: string): Promise<void>;
  get(name: string): Promise<string | undefined>;
  storageOf(name: string): Promise<SecretStorage | undefined>;
  remove(name: string): Promise<boolean>;
  /** Throws SECRET_STORAGE_UNAVAILABLE when the vault cannot seal. */
  assertAvailable(): Promise<void>;
}

const NAME = /^[a-z0-9-]{1,120}$/i;

export function createSecretStore(dir: string, vault: SecretVault): SecretStore {
  const path = (name: string, kind: 'sealed' | 'plain') => {
    if (!NAME.test(name)) throw new Error(`Bad secret name ${JSON.stringify(name)}`);
    return join(dir, `${name}.${kind}`);
  };
  const read = (file: string) => readFile(file).catch(() => undefined);
  const store: SecretStore = {
    async assertAvailable() {
      const status = await vault.status();
      if (!status.available) {
        throw new DesktopError(
          'SECRET_STORAGE_UNAVAILABLE',
          `Cannot keep the secret safely: ${status.reason ?? `the ${status.backend} backend cannot encrypt`}`,
        );
      }
    },
    async putSealed(name, value) {
      await store.assertAvailable();
      await writeFileAtomic(path(name, 'sealed'), await vault.encrypt(value));
      await rm(path(name, 'plain'), { force: true });
    },
    async putPlain(name, value) {
      await writeFileAtomic(path(name, 'plain'), value);
      await rm(path(name, 'sealed'), { force: true });
    },
    async get(name) {
      const sealed = await read(path(name, 'sealed'));
      if (sealed !== undefined) {
        try {
          return await vault.decrypt(new Uint8Array(sealed));
        } catch (error) {
          // Another keyring, or another user's: what was sealed cannot be opened here.
          throw new DesktopError(
            'SECRET_STORAGE_UNAVAILABLE',
            `A secret Signet sealed (${name}) cannot be unsealed by this system's secret storage; enter it again.`,
            { cause: error },
          );
        }
      }
      return (await read(path(name, 'plain')))?.toString('utf8');
    },
    async storageOf(name) {
      if ((await read(path(name, 'sealed'))) !== undefined) return 'safeStorage';
      return (await read(path(name, 'plain'))) === undefined ? undefined : 'plain';
    },
    async remove(name) {
      const had = (await store.storageOf(name)) !== undefined;
      await rm(path(name, 'sealed'), { force: true });
      await rm(path(name, 'plain'), { force: true });
      return had;
    },
  };
  return store;
}
