import { stat } from 'node:fs/promises';

import { inspectZip, type InspectZipOptions, type ZipInspection } from './zip-inspect';

/**
 * What `validateRelease` learnt about each zip of a release folder (its SHA-256, hashes, entries and problems), so
 * a re-validation of the same folder (the desktop's watcher, after Package, after Sign) reads again only the zips
 * that changed. A zip is the same file when its path, size, modification and change times (nanoseconds) and
 * device + inode are: an in-place rewrite changes ctime even when mtime is put back, an atomic rename changes the
 * inode. Entries of zips that changed are replaced; those of files no longer in the release are dropped at the end
 * of each validation, so one cache belongs to one release (one folder).
 */
export interface ValidationCache {
  /** How many zips it holds. */
  readonly size: number;
  /** Forgets every zip: the next validation reads them all. */
  clear(): void;
}

interface CachedZip {
  identity: string;
  options: string;
  inspection: ZipInspection;
}

/** Each cache's entries by path, out of reach of callers: only validateRelease reads and writes them. */
const ENTRIES = new WeakMap<ValidationCache, Map<string, CachedZip>>();

export function createValidationCache(): ValidationCache {
  const entries = new Map<string, CachedZip>();
  const cache: ValidationCache = {
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
  ENTRIES.set(cache, entries);
  return cache;
}

/**
 * `inspectZip(path, options)`, or what it answered last time for the same file and options. An inspection is kept
 * only when the file's identity was the same before and after it was read (a zip written meanwhile is read again
 * next time).
 */
export async function inspectZipCached(
  cache: ValidationCache,
  path: string,
  options: InspectZipOptions,
): Promise<ZipInspection> {
  const entries = ENTRIES.get(cache);
  if (!entries) throw new TypeError('Not a ValidationCache: make one with createValidationCache().');
  const key = JSON.stringify([options.name, options.version, options.platform, options.fileName, options.limits]);
  const before = await identify(path);
  const cached = entries.get(path);
  if (before !== undefined && cached?.identity === before && cached.options === key) return copy(cached.inspection);
  entries.delete(path);
  const inspection = await inspectZip(path, options);
  if (before !== undefined && (await identify(path)) === before)
    entries.set(path, { identity: before, options: key, inspection: copy(inspection) });
  return inspection;
}

/** Drops the entries of every path not in `paths` (files that vanished or left the release). */
export function retainCachedZips(cache: ValidationCache, paths: ReadonlySet<string>): void {
  const entries = ENTRIES.get(cache);
  for (const path of entries?.keys() ?? []) if (!paths.has(path)) entries!.delete(path);
}

async function identify(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path, { bigint: true });
    if (!info.isFile()) return undefined;
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  } catch {
    return undefined; // inspectZip reports why it cannot be read
  }
}

/** The caller may change what it gets (validateRelease copies problems into its report); the cache's stays intact. */
function copy(inspection: ZipInspection): ZipInspection {
  return structuredClone(inspection);
}
