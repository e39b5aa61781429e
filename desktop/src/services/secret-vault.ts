// Where remembered passphrases and registry tokens are sealed. Under Electron, main implements this with
// safeStorage's async API (encryptStringAsync/decryptStringAsync) and reaches the services over a message port;
// browser mode has no OS keychain and uses an unavailable vault. The services only ever see ciphertext at rest.
import type { SecretStorageStatus } from '../shared/api';

export interface SecretVault {
  status(): Promise<SecretStorageStatus>;
  encrypt(text: string): Promise<Uint8Array>;
  decrypt(bytes: Uint8Array): Promise<string>;
}

/** Electron's `basic_text` backend "encrypts" with a hard-coded password: as good as plain text. */
export const BASIC_TEXT_REASON =
  "Electron's safeStorage uses the basic_text backend here (no keyring such as GNOME Keyring or KWallet is running), which keeps secrets as good as plain text; start a keyring and restart Signet.";

/** Browser mode's vault: nothing can be sealed, and it says why. */
export function createUnavailableVault(backend: string, reason: string): SecretVault {
  const refuse = (): never => {
    throw new Error(`Secret storage is unavailable: ${reason}`);
  };
  return {
    status: () => Promise.resolve({ backend, available: false, reason }),
    encrypt: () => Promise.resolve(refuse()),
    decrypt: () => Promise.resolve(refuse()),
  };
}

export const BROWSER_MODE_VAULT_REASON =
  'Browser mode has no access to the operating system keychain (safeStorage is Electron only); passphrases are asked for each time, and a registry token can only be kept in plain text.';
