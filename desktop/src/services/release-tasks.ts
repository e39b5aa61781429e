// Package, Sign and Publish: long operations run as the release's task, whose progress `releasesGet` shows
// while the call is still pending (per platform for Package, bytes for Publish). One task at a time per release.
// A task that fails leaves the release folder as it was (signRelease writes the .sig only once it verifies; a
// wrong passphrase is found before anything is touched) and says why in `task.error`.
import { availableParallelism } from 'node:os';

import { publishRelease } from '@signet/client';
import { inspectKey, readPublicKeyArmored } from '@signet/core';
import { collectInputs, packageRelease, readReleaseFiles, selectReleaseFiles, signRelease } from '@signet/core/node';

import type { ReleaseTask, ServiceHandlers } from '../shared/api';
import { DesktopError } from '../shared/errors';
import type { ReleaseBook, ReleaseEntry } from './release-book';
import { INTERNAL_ERROR, toDesktopError } from './error-mapping';
import { applyVersion } from './releases';
import type { RegistryConnector } from './registries';
import { unlockKey } from './key-unlock';
import type { ServiceContext } from './service-context';

type TaskHandlers = Pick<ServiceHandlers, 'releasesPackage' | 'releasesSign' | 'releasesPublish'>;

export function createReleaseTaskHandlers(
  context: ServiceContext,
  book: ReleaseBook,
  registries: RegistryConnector,
): TaskHandlers {
  return {
    async releasesPackage({ releaseId }) {
      const entry = await book.get(releaseId);
      await runTask(entry, 'package', (task) => packageEntry(entry, task));
      return book.view(entry);
    },
    async releasesSign({ releaseId, passphrase }) {
      const entry = await book.get(releaseId);
      await runTask(entry, 'sign', () => signEntry(context, entry, passphrase));
      return book.view(entry);
    },
    async releasesPublish({ releaseId }) {
      const entry = await book.get(releaseId);
      await runTask(entry, 'publish', (task) => publishEntry(context, registries, entry, task));
      await book.save(entry);
      return book.view(entry);
    },
  };
}

async function runTask(
  entry: ReleaseEntry,
  kind: ReleaseTask['kind'],
  work: (task: ReleaseTask) => Promise<void>,
): Promise<void> {
  if (entry.task?.running) {
    throw new DesktopError('CONFLICT', `Release ${entry.stored.id} is busy (${entry.task.kind}); wait for it to end.`);
  }
  const task: ReleaseTask = { kind, platforms: [], bytesSent: 0, bytesTotal: 0, error: null, running: true };
  entry.task = task;
  let changed = kind === 'package'; // a failed Package may have written some zips; a failed Sign wrote nothing
  try {
    await work(task);
    changed = kind !== 'publish';
  } catch (error) {
    const mapped = toDesktopError(error);
    task.error = mapped?.toApiError() ?? INTERNAL_ERROR;
    for (const row of task.platforms) if (row.state === 'packaging') row.state = 'failed';
    throw mapped ?? error; // an unexpected error goes on as it is, for dispatch to log
  } finally {
    task.running = false;
    // The watcher ignored the task's own writes; one run now shows the folder as the task left it.
    if (changed) await entry.watch?.refresh();
  }
}

async function packageEntry(entry: ReleaseEntry, task: ReleaseTask): Promise<void> {
  const { stored } = entry;
  if (stored.inputFolder === null) {
    throw new DesktopError(
      'UNSUPPORTED',
      `Release ${stored.id} was opened from a release folder; it has no inputs to package.`,
    );
  }
  const inputs = [{ path: stored.inputFolder }];
  const artifacts = await collectInputs(inputs, { name: stored.provider, version: stored.version });
  task.platforms = artifacts.map((a) => ({ platform: a.platform, state: 'waiting' }));
  // packageRelease takes the platforms in this order, `concurrency` at a time: the first ones start at once and
  // each one done starts the next waiting one.
  const concurrency = availableParallelism();
  task.platforms.slice(0, concurrency).forEach((row) => (row.state = 'packaging'));
  await packageRelease({
    name: stored.provider,
    version: stored.version,
    protocols: stored.protocols,
    inputs,
    outDir: stored.releaseFolder,
    concurrency,
    onProgress: ({ platform }) => {
      const row = task.platforms.find((p) => p.platform === platform);
      if (row) row.state = 'done';
      const next = task.platforms.find((p) => p.state === 'waiting');
      if (next) next.state = 'packaging';
    },
  });
}

async function signEntry(context: ServiceContext, entry: ReleaseEntry, passphrase: string | undefined): Promise<void> {
  const { keyId } = entry.stored;
  if (keyId === null)
    throw new DesktopError('INPUT_INVALID', `Release ${entry.stored.id} has no signing key; choose one.`);
  const stored = await context.keys.get(keyId);
  const info = await inspectKey(stored.armored);
  const refusal = info.problems.find((p) => p.severity === 'error') ?? (info.expired ? info.problems[0] : undefined);
  if (refusal !== undefined) throw new DesktopError('KEY_INCOMPATIBLE', refusal.message);
  const key = await unlockKey(context, keyId, passphrase);
  const files = selectReleaseFiles(
    await readReleaseFiles([entry.stored.releaseFolder]),
    entry.stored.provider,
    entry.stored.version,
  );
  await signRelease(files, key);
}

async function publishEntry(
  context: ServiceContext,
  registries: RegistryConnector,
  entry: ReleaseEntry,
  task: ReleaseTask,
): Promise<void> {
  const { stored } = entry;
  // The watcher keeps these current; a change it has not seen yet is caught by publishRelease's own validation.
  const errors = entry.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new DesktopError(
      'RELEASE_INVALID',
      `Release ${stored.id} has ${errors.length} problem(s) to fix before publishing: ${errors.map((p) => `${p.code}${p.file ? ` (${p.file})` : ''}`).join(', ')}.`,
    );
  }
  if (stored.namespace === '') {
    throw new DesktopError(
      'INPUT_INVALID',
      `Release ${stored.id} has no namespace; create it with New release to publish it.`,
    );
  }
  const key = stored.keyId === null ? undefined : await context.keys.find(stored.keyId);
  const client = await registries.connect(stored.registryId);
  try {
    const result = await publishRelease({
      client,
      namespace: stored.namespace,
      files: selectReleaseFiles(await readReleaseFiles([stored.releaseFolder]), stored.provider, stored.version),
      name: stored.provider,
      version: stored.version,
      protocols: stored.protocols.length > 0 ? stored.protocols : undefined,
      publicKey: key === undefined ? undefined : await readPublicKeyArmored(key.armored),
      onUpload: ({ sent, total }) => {
        task.bytesSent = sent;
        task.bytesTotal = total;
      },
    });
    applyVersion(entry, result.registryVersion);
    context.log(
      'info',
      result.alreadyPublished
        ? `${stored.id} was already published with these bytes: nothing changed.`
        : `Published ${stored.id} (${result.uploaded.length} uploaded, ${result.skipped.length} already there).`,
    );
  } finally {
    await client.close();
  }
}
