// The Registries area: the built-in Local entry (the local registry, its admin token and CA) and remote
// registries (URL, token, optional CA file). Tokens are sealed by the vault; where it cannot seal, a token is
// refused unless the user accepted plain storage, and the row then says `plain`. Settings hold no token.
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';

import { createRegistryClient, type RegistryClient } from '@signet/client';

import type { RegistryView, ServiceHandlers } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { testConnection } from './connection-test';
import type { LocalRegistryService } from './local-registry';
import type { ServiceContext } from './service-context';
import type { StoredRegistry } from './settings-file';

export const LOCAL_REGISTRY_ID = 'local';

type RegistryHandlers = Pick<
  ServiceHandlers,
  'registriesList' | 'registriesAdd' | 'registriesTest' | 'registriesRemove'
>;

export interface RegistryConnector {
  /** A client of the registry with its token; the caller closes it. */
  connect(registryId: string): Promise<RegistryClient>;
  /** Throws NOT_FOUND for an unknown registry. */
  assertKnown(registryId: string): Promise<void>;
}

const tokenName = (id: string) => `registry-${id}-token`;

export function createRegistryHandlers(
  context: ServiceContext,
  local: LocalRegistryService,
): { handlers: RegistryHandlers; connector: RegistryConnector } {
  const remote = async (id: string): Promise<StoredRegistry> => {
    const found = (await context.settings.read()).registries.find((r) => r.id === id);
    if (!found) throw new DesktopError('NOT_FOUND', `No registry ${JSON.stringify(id)}; add it in Registries.`);
    return found;
  };
  const viewOf = async (stored: StoredRegistry): Promise<RegistryView> => {
    const storage = (await context.secrets.storageOf(tokenName(stored.id))) ?? null;
    return {
      id: stored.id,
      name: new URL(stored.url).host,
      url: stored.url,
      builtIn: false,
      hasToken: storage !== null,
      tokenStorage: storage,
      caFile: stored.caFile,
    };
  };
  const localView = async (): Promise<RegistryView> => {
    const status = await local.status();
    const storage = (await local.adminTokenStorage()) ?? null;
    return {
      id: LOCAL_REGISTRY_ID,
      name: 'Local',
      url: status.url,
      builtIn: true,
      hasToken: storage !== null,
      tokenStorage: storage,
      caFile: status.caFile,
    };
  };
  const connect = async (registryId: string): Promise<RegistryClient> => {
    if (registryId === LOCAL_REGISTRY_ID) {
      const running = local.require();
      return createRegistryClient({
        url: running.url,
        token: await local.adminToken(),
        caFile: running.caFile ?? undefined,
      });
    }
    const stored = await remote(registryId);
    return createRegistryClient({
      url: stored.url,
      token: await context.secrets.get(tokenName(stored.id)),
      caFile: stored.caFile ?? undefined,
    });
  };

  const connector: RegistryConnector = {
    connect,
    async assertKnown(registryId) {
      if (registryId !== LOCAL_REGISTRY_ID) await remote(registryId);
    },
  };
  const handlers: RegistryHandlers = {
    async registriesList() {
      const stored = (await context.settings.read()).registries;
      return [await localView(), ...(await Promise.all(stored.map(viewOf)))];
    },
    async registriesAdd(input) {
      const url = input.url.replace(/\/+$/, '');
      const caFile = input.caFile === undefined ? null : resolve(input.caFile);
      if (caFile !== null) {
        await access(caFile).catch(() => {
          throw new DesktopError(
            'INPUT_INVALID',
            `Cannot read the CA file ${JSON.stringify(caFile)}; give a PEM file.`,
          );
        });
      }
      const existing = (await context.settings.read()).registries.find((r) => r.url === url);
      if (existing)
        throw new DesktopError('CONFLICT', `${url} is already in Registries; remove it first to change it.`);
      const stored: StoredRegistry = { id: `r-${randomBytes(4).toString('hex')}`, url, caFile };
      if (input.token !== undefined && input.token !== '') {
        const status = await context.vault.status();
        if (status.available) await context.secrets.putSealed(tokenName(stored.id), input.token);
        else if (input.allowPlainToken) await context.secrets.putPlain(tokenName(stored.id), input.token);
        else {
          throw new DesktopError(
            'SECRET_STORAGE_UNAVAILABLE',
            `The token cannot be kept safely: ${status.reason ?? `the ${status.backend} backend cannot encrypt`} Accept keeping it in plain text, or add the registry without a token.`,
          );
        }
      }
      await context.settings.update((s) => void s.registries.push(stored));
      return viewOf(stored);
    },
    async registriesTest({ registryId }) {
      if (registryId === LOCAL_REGISTRY_ID && local.running() === undefined) {
        return {
          ok: false,
          problem: 'unreachable',
          message: 'The local registry is not running; start it in Local registry.',
        };
      }
      await connector.assertKnown(registryId);
      return testConnection(() => connect(registryId));
    },
    async registriesRemove({ registryId }) {
      if (registryId === LOCAL_REGISTRY_ID) {
        throw new DesktopError(
          'UNSUPPORTED',
          'The built-in Local registry cannot be removed; stop it in Local registry instead.',
        );
      }
      await remote(registryId);
      await context.settings.update((s) => {
        s.registries = s.registries.filter((r) => r.id !== registryId);
      });
      await context.secrets.remove(tokenName(registryId));
      return { removed: true };
    },
  };
  return { handlers, connector };
}
