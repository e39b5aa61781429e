// The desktop's services: one handler per channel of the contract, over the libraries, on one data folder. Main
// (Electron, in its services host) and browser mode both call this and serve the handlers through `dispatch`.
import { resolve } from 'node:path';

import packageJson from '../../package.json' with { type: 'json' };
import type { AppInfo, ServiceHandlers } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { ensurePrivateDir } from './atomic-file';
import { createKeyStore } from './key-store';
import { createKeyHandlers } from './keys';
import { createLocalHandlers } from './local-handlers';
import { createLocalRegistryService } from './local-registry';
import { createRegistryHandlers } from './registries';
import { createReleaseBook } from './release-book';
import { createReleaseTaskHandlers } from './release-tasks';
import { createReleaseHandlers } from './releases';
import { createSecretStore } from './secret-store';
import type { SecretVault } from './secret-vault';
import type { ServiceContext, ServiceLog } from './service-context';
import { openSettingsFile } from './settings-file';

export interface CreateServicesOptions {
  /** Everything lives here: keys/, public/, revocations/, secrets/, releases/, registry/, settings.json. */
  dataDir: string;
  vault: SecretVault;
  mode: AppInfo['mode'];
  log?: ServiceLog | undefined;
}

export interface Services {
  handlers: ServiceHandlers;
  log: ServiceLog;
  /** Stops the folder watchers and the local registry. */
  close(): Promise<void>;
}

export async function createServices(options: CreateServicesOptions): Promise<Services> {
  const dataDir = resolve(options.dataDir);
  await ensurePrivateDir(dataDir);
  const log = options.log ?? (() => {});
  const context: ServiceContext = {
    dataDir,
    mode: options.mode,
    vault: options.vault,
    keys: createKeyStore(dataDir),
    secrets: createSecretStore(`${dataDir}/secrets`, options.vault),
    settings: openSettingsFile(dataDir),
    log,
  };
  const local = createLocalRegistryService(context);
  const registries = createRegistryHandlers(context, local);
  const connector = registries.connector;
  const book = createReleaseBook(context);
  const handlers: ServiceHandlers = {
    appInfo: async () => ({
      version: packageJson.version,
      mode: options.mode,
      dataDir,
      secretStorage: await options.vault.status(),
    }),
    ...createKeyHandlers(context),
    ...createReleaseHandlers(context, book, connector),
    ...createReleaseTaskHandlers(context, book, connector),
    ...registries.handlers,
    ...createLocalHandlers(context, local),
    dialogChooseFolder: () =>
      Promise.reject(
        new DesktopError('UNSUPPORTED', 'Choosing a folder needs the Electron app; type the path instead.'),
      ),
  };
  return {
    handlers,
    log,
    async close() {
      book.close();
      await local.close();
    },
  };
}
