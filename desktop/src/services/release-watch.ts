// The Problems view's live re-validation: a watcher on the release folder (flat, so not recursive) that
// re-validates after each burst of changes. Runs never overlap; a change during a run schedules one more, so the
// last result always describes the folder as it is. `revision` grows with every finished run.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';

/** How long the folder must be quiet before a run: packaging writes a dozen files in a burst. */
export const WATCH_DEBOUNCE_MS = 150;

export interface ReleaseWatch {
  /** Re-validates now (after any run in flight) and resolves when the folder's state is reflected. */
  refresh(): Promise<void>;
  close(): void;
}

export interface ReleaseWatchOptions {
  folder: string;
  /** One validation run; its result is the caller's to keep. */
  validate: () => Promise<void>;
  onError: (error: unknown) => void;
  /**
   * While true, changes only mark the folder stale: a task that writes it (Package writes a dozen files over
   * seconds) refreshes once when it ends, instead of validating half-written zips over and over.
   */
  paused?: () => boolean;
}

export async function watchReleaseFolder(options: ReleaseWatchOptions): Promise<ReleaseWatch> {
  await mkdir(options.folder, { recursive: true, mode: 0o700 });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await options.validate().catch(options.onError);
      } while (again && !closed);
    })().finally(() => (running = undefined));
    return running;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(options.folder, { persistent: false }, () => {
      if (closed || options.paused?.() === true) return;
      clearTimeout(timer);
      timer = setTimeout(() => void run(), WATCH_DEBOUNCE_MS);
    });
    watcher.on('error', options.onError);
  } catch (error) {
    options.onError(error); // no live view (e.g. the folder vanished); refresh() still works
  }
  return {
    async refresh() {
      clearTimeout(timer);
      if (running) {
        again = true;
        await running;
        return;
      }
      await run();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
