// The built-in local registry: openLocalRegistry from @signet/registry/local on DATA/registry, always on
// 127.0.0.1 (reached as https://localhost:PORT), with its local CA made on the first start. Its admin token is
// the desktop's own, made once and kept sealed by the vault when it can, else in a 0600 file in the registry's
// data folder (DATA/registry/local-admin-token.plain), as `signet serve` keeps its data folder's secrets.
import { join } from 'node:path';

import { isSignetError } from '@signet/core';
import { createTokenId, createTokenSecret, hashTokenSecret } from '@signet/registry';
import { localRegistryPaths, openLocalRegistry, type LocalRegistry } from '@signet/registry/local';
import { stat } from 'node:fs/promises';

import type { LocalRegistryStatus } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { formatCliConfiguration, formatEnvironment, formatSourceAddress } from './local-config';
import { createSecretStore, type SecretStorage, type SecretStore } from './secret-store';
import type { ServiceContext } from './service-context';

const ADMIN_TOKEN = 'local-admin-token';
const READ_TOKEN = 'local-read-token';

export interface LocalRegistryService {
  readonly dataDir: string;
  status(): Promise<LocalRegistryStatus>;
  start(port: number | undefined): Promise<LocalRegistryStatus>;
  stop(): Promise<LocalRegistryStatus>;
  /** The running registry, or REGISTRY_NOT_RUNNING. */
  require(): LocalRegistry;
  running(): LocalRegistry | undefined;
  adminToken(): Promise<string>;
  adminTokenStorage(): Promise<SecretStorage | undefined>;
  close(): Promise<void>;
}

export function createLocalRegistryService(context: ServiceContext): LocalRegistryService {
  const dataDir = join(context.dataDir, 'registry');
  const secrets = createSecretStore(dataDir, context.vault);
  let registry: LocalRegistry | undefined;
  let starting: Promise<LocalRegistry> | undefined;

  const adminToken = async (): Promise<string> => {
    const existing = await secrets.get(ADMIN_TOKEN);
    if (existing !== undefined) return existing;
    const secret = createTokenSecret();
    await keepSecret(secrets, ADMIN_TOKEN, secret);
    return secret;
  };

  const launch = async (port: number | undefined): Promise<LocalRegistry> => {
    const remembered = (await context.settings.read()).localPort;
    const options = {
      dataDir,
      host: '127.0.0.1',
      adminToken: await adminToken(),
      onError: (error: unknown, request: Request) =>
        context.log(
          'error',
          `Local registry: ${request.method} ${new URL(request.url).pathname} failed: ${String(error)}`,
        ),
    };
    let started: LocalRegistry;
    try {
      started = await openLocalRegistry({ ...options, port: port ?? remembered ?? 0 });
    } catch (error) {
      // The remembered port is taken by now: any free one rather than no registry (an explicit port is kept).
      if (port !== undefined || remembered === null || !isSignetError(error, 'PORT_IN_USE')) throw error;
      started = await openLocalRegistry({ ...options, port: 0 });
    }
    await context.settings.update((s) => void (s.localPort = started.port));
    context.log('info', `Local registry running at ${started.url}.`);
    return started;
  };

  const service: LocalRegistryService = {
    dataDir,
    async status() {
      const port = registry?.port ?? (await context.settings.read()).localPort;
      const host = `localhost:${port ?? 'PORT'}`;
      const caFile = localRegistryPaths(dataDir).caFile;
      const hasCa = (await stat(caFile).catch(() => undefined))?.isFile() === true;
      const published = registry ? await registry.listPublishedProviders() : { providers: [], privateNamespaces: [] };
      const url = registry?.url ?? `https://${host}`;
      return {
        running: registry !== undefined,
        url: registry?.url ?? null,
        port: registry?.port ?? null,
        dataDir,
        caFile: hasCa ? caFile : null,
        sourceAddress: formatSourceAddress(registry?.host ?? host, published.providers),
        cliConfiguration: formatCliConfiguration({
          url,
          host: registry?.host ?? host,
          readToken: registry ? await readToken(secrets, registry, published.privateNamespaces) : undefined,
        }),
        environment: formatEnvironment(hasCa ? caFile : null),
      };
    },
    async start(port) {
      if (registry === undefined) {
        starting ??= launch(port).finally(() => (starting = undefined));
        registry = await starting;
      }
      return service.status();
    },
    async stop() {
      const running = registry;
      registry = undefined;
      await running?.close();
      return service.status();
    },
    require() {
      if (registry === undefined) {
        throw new DesktopError(
          'REGISTRY_NOT_RUNNING',
          'The local registry is not running; start it in Local registry (Start registry).',
        );
      }
      return registry;
    },
    running: () => registry,
    adminToken,
    adminTokenStorage: () => secrets.storageOf(ADMIN_TOKEN),
    async close() {
      await service.stop();
    },
  };
  return service;
}

/** Sealed by the vault when it can; else a 0600 file in the registry's own data folder. */
async function keepSecret(secrets: SecretStore, name: string, value: string): Promise<void> {
  try {
    await secrets.putSealed(name, value);
  } catch (error) {
    if (!(error instanceof DesktopError && error.code === 'SECRET_STORAGE_UNAVAILABLE')) throw error;
    await secrets.putPlain(name, value);
  }
}

/**
 * A read-only token of exactly the private namespaces, for the CLI configuration's credentials block: made when
 * first needed and again when the set of private namespaces changes (the old one is revoked).
 */
async function readToken(
  secrets: SecretStore,
  registry: LocalRegistry,
  namespaces: string[],
): Promise<{ secret: string; namespaces: string[] } | undefined> {
  if (namespaces.length === 0) return undefined;
  const wanted = [...namespaces].sort();
  const kept = await secrets.get(READ_TOKEN);
  const parsed =
    kept === undefined ? undefined : (JSON.parse(kept) as { id: string; secret: string; namespaces: string[] });
  if (parsed && parsed.namespaces.join() === wanted.join()) {
    const record = (await registry.metadata.listTokens()).find((t) => t.id === parsed.id);
    if (record && record.revokedAt === undefined) return { secret: parsed.secret, namespaces: wanted };
  }
  if (parsed) await registry.metadata.revokeToken(parsed.id).catch(() => false);
  const secret = createTokenSecret();
  const id = createTokenId();
  await registry.metadata.createToken({
    id,
    name: 'read (made by Signet desktop for the CLI configuration)',
    role: 'read',
    namespaces: wanted,
    secretHash: hashTokenSecret(secret),
  });
  await keepSecret(secrets, READ_TOKEN, JSON.stringify({ id, secret, namespaces: wanted }));
  return { secret, namespaces: wanted };
}
