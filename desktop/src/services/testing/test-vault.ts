// A SecretVault for tests: real AES-256-GCM under a random key held in memory, standing where Electron's
// safeStorage stands in the app (which needs an Electron binary and a keyring). `backend` lets a test play
// `basic_text`, the backend the services must refuse.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { BASIC_TEXT_REASON, type SecretVault } from '../secret-vault';

export function createTestVault(backend: 'gnome_libsecret' | 'basic_text' = 'gnome_libsecret'): SecretVault & {
  sealed: number;
} {
  const key = randomBytes(32);
  const vault = {
    sealed: 0,
    status: () =>
      Promise.resolve(
        backend === 'basic_text'
          ? { backend, available: false, reason: BASIC_TEXT_REASON }
          : { backend, available: true, reason: null },
      ),
    encrypt(text: string) {
      if (backend === 'basic_text') return Promise.reject(new Error('basic_text cannot seal'));
      vault.sealed++;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return Promise.resolve(new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body])));
    },
    decrypt(bytes: Uint8Array) {
      const data = Buffer.from(bytes);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return Promise.resolve(Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8'));
    },
  };
  return vault;
}
