// The services' SecretVault under Electron: safeStorage's async API, in main (safeStorage exists nowhere
// else). On Linux's `basic_text` backend (no keyring) it is unavailable and says why, so the services refuse
// to "remember" a passphrase there and ask before keeping a token in plain text.
import type { SafeStorage } from 'electron';
import type { SecretStorageStatus } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { BASIC_TEXT_REASON, type SecretVault } from '../services/secret-vault';

type AsyncSafeStorage = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'
>;

const PLATFORM_BACKENDS: Record<string, string> = { darwin: 'keychain', win32: 'dpapi' };

/** What safeStorage offers on `platform`, and why not when it does not. */
export async function readSecretStorageStatus(
  safeStorage: AsyncSafeStorage,
  platform: NodeJS.Platform,
): Promise<SecretStorageStatus> {
  const backend =
    platform === 'linux' ? safeStorage.getSelectedStorageBackend() : (PLATFORM_BACKENDS[platform] ?? platform);
  if (backend === 'basic_text') return { backend, available: false, reason: BASIC_TEXT_REASON };
  if (backend === 'unknown') {
    return { backend, available: false, reason: 'safeStorage was asked before the app was ready; restart Signet.' };
  }
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    return {
      backend,
      available: false,
      reason: `safeStorage reports no encryption available on the ${backend} backend; unlock the system keychain and restart Signet.`,
    };
  }
  return { backend, available: true, reason: null };
}

/** A SecretVault over Electron's safeStorage (async API only). */
export function createSafeStorageVault(safeStorage: AsyncSafeStorage, platform: NodeJS.Platform): SecretVault {
  const assertAvailable = async (): Promise<void> => {
    const status = await readSecretStorageStatus(safeStorage, platform);
    if (!status.available) {
      throw new DesktopError(
        'SECRET_STORAGE_UNAVAILABLE',
        `Secret storage is unavailable: ${status.reason ?? 'unknown reason'}`,
      );
    }
  };
  return {
    status: () => readSecretStorageStatus(safeStorage, platform),
    async encrypt(text) {
      await assertAvailable();
      return new Uint8Array(await safeStorage.encryptStringAsync(text));
    },
    async decrypt(bytes) {
      await assertAvailable();
      const { result } = await safeStorage.decryptStringAsync(Buffer.from(bytes));
      return result;
    },
  };
}
