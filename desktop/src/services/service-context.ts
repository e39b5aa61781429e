// What every service handler shares: the data folder and the stores over it. Built once by createServices.
import type { AppInfo } from '../shared/api';
import type { KeyStore } from './key-store';
import type { SecretStore } from './secret-store';
import type { SecretVault } from './secret-vault';
import type { SettingsFile } from './settings-file';

/** One line for the log; never given a secret. */
export type ServiceLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface ServiceContext {
  dataDir: string;
  mode: AppInfo['mode'];
  vault: SecretVault;
  keys: KeyStore;
  secrets: SecretStore;
  settings: SettingsFile;
  log: ServiceLog;
}

/** The secret-store name of a key's remembered passphrase. */
export function passphraseSecretName(keyId: string): string {
  return `passphrase-${keyId}`;
}
