// The desktop's keys on disk, under DATA:
//   keys/KEYID.asc         passphrase-encrypted armored private key: exactly the layout the CLI reads as
//                          SIGNET_KEYRING (packages/cli/src/signet-keyring.ts), so
//                          `SIGNET_KEYRING=DATA/keys signet release --key-id KEYID` signs with a desktop key
//   public/KEYID.asc       armored public key, for keys imported without their private half
//   revocations/KEYID.asc  the revocation certificate made at generation (or at a change of expiry)
// Files 0600 in 0700 folders, written atomically. KEYID is the primary key's 16-hex long ID, upper case.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { DesktopError } from '../shared/errors';
import { writeFileAtomic } from './atomic-file';

export type KeyFileKind = 'private' | 'public' | 'revocation';

const FOLDERS: Record<KeyFileKind, string> = { private: 'keys', public: 'public', revocation: 'revocations' };
const KEY_FILE = /^([0-9A-F]{16})\.asc$/;

export interface StoredKey {
  keyId: string;
  /** Armored: the encrypted private key when Signet holds it, else the public key. */
  armored: string;
  hasPrivateKey: boolean;
  revocationCertificate: string | undefined;
}

export interface KeyStore {
  /** The folder to give the CLI as SIGNET_KEYRING. */
  readonly keyringDir: string;
  list(): Promise<string[]>;
  /** Throws NOT_FOUND for a key Signet does not hold. */
  get(keyId: string): Promise<StoredKey>;
  find(keyId: string): Promise<StoredKey | undefined>;
  write(keyId: string, kind: KeyFileKind, armored: string): Promise<void>;
  /** Removes every file of the key. */
  remove(keyId: string): Promise<void>;
}

export function createKeyStore(dataDir: string): KeyStore {
  const path = (kind: KeyFileKind, keyId: string) => join(dataDir, FOLDERS[kind], `${keyId}.asc`);
  const read = (kind: KeyFileKind, keyId: string) => readFile(path(kind, keyId), 'utf8').catch(() => undefined);
  const store: KeyStore = {
    keyringDir: join(dataDir, FOLDERS.private),
    async list() {
      const ids = new Set<string>();
      for (const kind of ['private', 'public'] as const) {
        const names = await readdir(join(dataDir, FOLDERS[kind])).catch(() => [] as string[]);
        for (const name of names) {
          const id = KEY_FILE.exec(name)?.[1];
          if (id !== undefined) ids.add(id);
        }
      }
      return [...ids].sort();
    },
    async find(keyId) {
      const [privateKey, publicKey, revocation] = await Promise.all([
        read('private', keyId),
        read('public', keyId),
        read('revocation', keyId),
      ]);
      const armored = privateKey ?? publicKey;
      if (armored === undefined) return undefined;
      return { keyId, armored, hasPrivateKey: privateKey !== undefined, revocationCertificate: revocation };
    },
    async get(keyId) {
      const found = await store.find(keyId);
      if (found === undefined) {
        throw new DesktopError('NOT_FOUND', `No key ${keyId} in Signet; generate or import it first.`);
      }
      return found;
    },
    async write(keyId, kind, armored) {
      await writeFileAtomic(path(kind, keyId), armored);
      // A private key supersedes a public-only copy of the same key.
      if (kind === 'private') await rm(path('public', keyId), { force: true });
    },
    async remove(keyId) {
      for (const kind of ['private', 'public', 'revocation'] as const) await rm(path(kind, keyId), { force: true });
    },
  };
  return store;
}
