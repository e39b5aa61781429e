// The desktop's Node services, used by Electron main (its services host) and by browser mode alike.

// Services and their door
export { createServices, type CreateServicesOptions, type Services } from './create-services';
export { dispatch, isChannel } from './dispatch';
export type { ServiceLog } from './service-context';

// Secret storage
export { BASIC_TEXT_REASON, BROWSER_MODE_VAULT_REASON, createUnavailableVault, type SecretVault } from './secret-vault';
