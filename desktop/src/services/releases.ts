// The Releases area's channels other than the long tasks: New release, opening a release folder, the list,
// removal, and Deprecate / Yank / Restore of a published version through @signet/client.
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

import type { RegistryClient, Version } from '@signet/client';
import { assertNamespace, assertProviderName, isSignetError, parseArtifactName, parseVersion } from '@signet/core';
import { readReleaseFiles } from '@signet/core/node';

import type { ChannelArgs, ReleaseView, ServiceHandlers } from '../shared/api';
import { DesktopError } from '../shared/errors';
import type { ReleaseBook, ReleaseEntry } from './release-book';
import type { RegistryConnector } from './registries';
import { LOCAL_REGISTRY_ID } from './registries';
import type { ServiceContext } from './service-context';
import type { StoredRelease } from './settings-file';

type ReleaseHandlers = Pick<
  ServiceHandlers,
  | 'releasesList'
  | 'releasesCreate'
  | 'releasesOpen'
  | 'releasesGet'
  | 'releasesDeprecate'
  | 'releasesYank'
  | 'releasesRestore'
  | 'releasesRemove'
>;

export function createReleaseHandlers(
  context: ServiceContext,
  book: ReleaseBook,
  registries: RegistryConnector,
): ReleaseHandlers {
  const manage = (id: string, change: (client: RegistryClient, stored: StoredRelease) => Promise<Version>) =>
    manageRelease(book, registries, id, change);
  return {
    async releasesList() {
      return (await book.list()).map((entry) => book.view(entry));
    },
    async releasesCreate(input) {
      const stored = await describeNewRelease(context, registries, input);
      if ((await book.list()).some((e) => e.stored.id === stored.id)) {
        throw new DesktopError(
          'CONFLICT',
          `Release ${stored.id} exists already; open it in the list, or remove it first.`,
        );
      }
      return book.view(await book.add(stored));
    },
    async releasesOpen(input) {
      const folder = resolve(input.releaseFolder);
      const registryId = input.registryId ?? LOCAL_REGISTRY_ID;
      await registries.assertKnown(registryId);
      const identity = await identifyFolder(folder);
      const id = `folder-${createHash('sha256').update(folder).digest('hex').slice(0, 16)}`;
      const existing = (await book.list()).find((e) => e.stored.id === id);
      if (existing) return book.view(existing);
      const stored: StoredRelease = {
        id,
        namespace: '',
        provider: identity.name,
        version: identity.version,
        protocols: [],
        keyId: null,
        registryId,
        inputFolder: null,
        releaseFolder: folder,
        status: 'draft',
        deprecationMessage: null,
      };
      return book.view(await book.add(stored));
    },
    async releasesGet({ releaseId }) {
      return book.view(await book.get(releaseId));
    },
    releasesDeprecate: ({ releaseId, message }) =>
      manage(releaseId, (client, s) => client.deprecate(s.namespace, s.provider, s.version, message)),
    releasesYank: ({ releaseId }) =>
      manage(releaseId, (client, s) => client.yank(s.namespace, s.provider, s.version, true)),
    releasesRestore: ({ releaseId }) =>
      manage(releaseId, async (client, s) => {
        const version = await client.yank(s.namespace, s.provider, s.version, false);
        return version.deprecation === undefined ? version : client.deprecate(s.namespace, s.provider, s.version, null);
      }),
    async releasesRemove({ releaseId }) {
      const entry = await book.get(releaseId);
      if (entry.task?.running)
        throw new DesktopError('CONFLICT', `Release ${releaseId} is busy (${entry.task.kind}); wait for it to end.`);
      await book.remove(releaseId);
      // Folders Signet made under DATA/releases are its own; an opened folder is the user's and stays.
      if (entry.stored.inputFolder !== null) await rm(entry.stored.releaseFolder, { recursive: true, force: true });
      return { removed: true };
    },
  };
}

async function describeNewRelease(
  context: ServiceContext,
  registries: RegistryConnector,
  input: ChannelArgs<'releasesCreate'>,
): Promise<StoredRelease> {
  let version: string;
  try {
    assertNamespace(input.namespace);
    assertProviderName(input.provider);
    version = parseVersion(input.version);
  } catch (error) {
    if (isSignetError(error)) throw new DesktopError('INPUT_INVALID', error.message, { cause: error });
    throw error;
  }
  if (input.keyId !== null) await context.keys.get(input.keyId);
  await registries.assertKnown(input.registryId);
  const inputFolder = resolve(input.inputFolder);
  if (!(await stat(inputFolder).catch(() => undefined))?.isDirectory()) {
    throw new DesktopError(
      'INPUT_INVALID',
      `Input folder ${JSON.stringify(inputFolder)} is not a folder; give the folder of binaries (os_arch/ folders), zips or a GoReleaser dist/.`,
    );
  }
  const id = `${input.namespace}/${input.provider}/${version}`;
  return {
    id,
    namespace: input.namespace,
    provider: input.provider,
    version,
    protocols: [...input.protocols],
    keyId: input.keyId,
    registryId: input.registryId,
    inputFolder,
    releaseFolder: join(context.dataDir, 'releases', input.namespace, input.provider, version),
    status: 'draft',
    deprecationMessage: null,
  };
}

/** The provider name and version of a release folder, from its SHA256SUMS (else its zips). */
async function identifyFolder(folder: string): Promise<{ name: string; version: string }> {
  const files = await readReleaseFiles([folder]).catch((error: unknown) => {
    throw new DesktopError('INPUT_INVALID', (error as Error).message, { cause: error });
  });
  const artifacts = files.map((f) => parseArtifactName(f.fileName)).filter((a) => a !== undefined);
  const sums = artifacts.filter((a) => a.kind === 'shasums');
  const candidates = sums.length > 0 ? sums : artifacts;
  const ids = [...new Set(candidates.map((a) => `${a.name} ${a.version}`))];
  if (ids.length !== 1 || candidates[0] === undefined) {
    throw new DesktopError(
      'INPUT_INVALID',
      ids.length === 0
        ? `${JSON.stringify(basename(folder))} holds no release files (terraform-provider-NAME_VERSION_SHA256SUMS and zips).`
        : `${JSON.stringify(folder)} holds several releases (${ids.join(', ')}); open a folder with one.`,
    );
  }
  return { name: candidates[0].name, version: candidates[0].version };
}

async function manageRelease(
  book: ReleaseBook,
  registries: RegistryConnector,
  releaseId: string,
  change: (client: RegistryClient, stored: StoredRelease) => Promise<Version>,
): Promise<ReleaseView> {
  const entry = await book.get(releaseId);
  if (entry.stored.status === 'draft') {
    throw new DesktopError('CONFLICT', `Release ${releaseId} is not published yet; Publish it first.`);
  }
  const client = await registries.connect(entry.stored.registryId);
  try {
    applyVersion(entry, await change(client, entry.stored));
  } finally {
    await client.close();
  }
  await book.save(entry);
  return book.view(entry);
}

/** The release's status as the registry's version says it. */
export function applyVersion(entry: ReleaseEntry, version: Version): void {
  entry.stored.deprecationMessage = version.deprecation ?? null;
  entry.stored.status =
    version.state === 'draft'
      ? 'draft'
      : version.yanked
        ? 'yanked'
        : version.deprecation !== undefined
          ? 'deprecated'
          : 'published';
}
