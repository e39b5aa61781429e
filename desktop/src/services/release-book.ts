// The releases the app knows: what settings.json remembers (identity, folders, status) plus what lives only
// while the app runs (the latest problems, their revision, the running task, the folder watcher).
import { readPublicKeyArmored } from '@signet/core';
import {
  createValidationCache,
  readReleaseFiles,
  selectReleaseFiles,
  validateRelease,
  type ValidationCache,
} from '@signet/core/node';

import type { ProblemView, ReleaseTask, ReleaseView } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { formatProblemView } from './problem-views';
import { watchReleaseFolder, type ReleaseWatch } from './release-watch';
import type { ServiceContext } from './service-context';
import type { StoredRelease } from './settings-file';

export interface ReleaseEntry {
  stored: StoredRelease;
  problems: ProblemView[];
  revision: number;
  task: ReleaseTask | null;
  watch: ReleaseWatch | undefined;
  /**
   * What the last validations learnt about the folder's zips: every re-validation (the watcher's, the one after
   * Package or Sign) reads again only the zips that changed, so Sign, which writes just the .sig, costs no re-hash.
   */
  validation: ValidationCache;
}

export interface ReleaseBook {
  list(): Promise<ReleaseEntry[]>;
  /** Throws NOT_FOUND. */
  get(id: string): Promise<ReleaseEntry>;
  /** Adds a release (already saved in the settings) and starts watching its folder. */
  add(stored: StoredRelease): Promise<ReleaseEntry>;
  /** Saves `entry.stored` after a change of status. */
  save(entry: ReleaseEntry): Promise<void>;
  remove(id: string): Promise<void>;
  view(entry: ReleaseEntry): ReleaseView;
  close(): void;
}

export function createReleaseBook(context: ServiceContext): ReleaseBook {
  const entries = new Map<string, ReleaseEntry>();
  let loading: Promise<void> | undefined;

  const open = async (stored: StoredRelease): Promise<ReleaseEntry> => {
    const entry: ReleaseEntry = {
      stored,
      problems: [],
      revision: 0,
      task: null,
      watch: undefined,
      validation: createValidationCache(),
    };
    entries.set(stored.id, entry);
    entry.watch = await watchReleaseFolder({
      folder: stored.releaseFolder,
      validate: async () => {
        entry.problems = await validateEntry(context, entry.stored, entry.validation);
        entry.revision++;
      },
      onError: (error) => context.log('warn', `Validating ${stored.id} failed: ${(error as Error).message}`),
      paused: () => entry.task?.running === true,
    });
    await entry.watch.refresh();
    return entry;
  };
  const load = () =>
    (loading ??= (async () => {
      for (const stored of (await context.settings.read()).releases) await open(stored);
    })());

  const book: ReleaseBook = {
    async list() {
      await load();
      return [...entries.values()];
    },
    async get(id) {
      await load();
      const entry = entries.get(id);
      if (!entry) throw new DesktopError('NOT_FOUND', `No release ${JSON.stringify(id)}; create or open it first.`);
      return entry;
    },
    async add(stored) {
      await load();
      if (entries.has(stored.id)) {
        throw new DesktopError(
          'CONFLICT',
          `Release ${stored.id} exists already; open it in the list, or remove it first.`,
        );
      }
      const opening = open(stored); // takes the ID at once: a second add of it is refused above
      await context.settings.update((s) => void s.releases.push(stored));
      return opening;
    },
    async save(entry) {
      await context.settings.update((s) => {
        s.releases = s.releases.map((r) => (r.id === entry.stored.id ? entry.stored : r));
      });
    },
    async remove(id) {
      const entry = await book.get(id);
      entry.watch?.close();
      entry.validation.clear();
      entries.delete(id);
      await context.settings.update((s) => {
        s.releases = s.releases.filter((r) => r.id !== id);
      });
    },
    view(entry) {
      const { stored } = entry;
      return {
        ...stored,
        revision: entry.revision,
        problems: entry.problems,
        publishable: !entry.problems.some((p) => p.severity === 'error'),
        task: entry.task && { ...entry.task, platforms: entry.task.platforms.map((p) => ({ ...p })) },
      };
    },
    close() {
      for (const entry of entries.values()) entry.watch?.close();
    },
  };
  return book;
}

/**
 * The core's validation of the release folder, with the signing key's public half when Signet holds it; `cache`
 * (the release's own) spares reading zips that did not change since the last run.
 */
export async function validateEntry(
  context: ServiceContext,
  stored: StoredRelease,
  cache?: ValidationCache,
): Promise<ProblemView[]> {
  const files = selectReleaseFiles(await readReleaseFiles([stored.releaseFolder]), stored.provider, stored.version);
  const key = stored.keyId === null ? undefined : await context.keys.find(stored.keyId);
  const report = await validateRelease({
    files,
    name: stored.provider,
    version: stored.version,
    protocols: stored.protocols.length > 0 ? stored.protocols : undefined,
    keys: key === undefined ? undefined : [await readPublicKeyArmored(key.armored)],
    cache,
  });
  return report.problems.map(formatProblemView);
}
