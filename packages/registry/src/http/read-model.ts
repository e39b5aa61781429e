import { createHash } from 'node:crypto';

import { LRUCache } from 'lru-cache';
import semver from 'semver';

import type { DownloadResponse, MirrorArchive, PreparedRelease } from '../prepare-release';
import type { MetadataStore } from '../storage/metadata-store';
import type { NamespaceVisibility } from '../storage/records';

/** One published version as the read side serves it. Request values index only its Maps, never an object. */
export interface VersionView {
  version: string;
  yanked: boolean;
  /** The download response of each `os_arch`, with root-relative file URLs. */
  downloads: ReadonlyMap<string, DownloadResponse>;
  /** The mirror archive of each `os_arch`. */
  archives: ReadonlyMap<string, MirrorArchive>;
  /** Every file of the version by name: what the file routes serve. */
  files: ReadonlyMap<string, { sha256: string; size: number }>;
  /** Pre-serialised `<version>.json` of the network mirror (public namespaces). */
  mirrorJson: string;
  /** Pre-serialised download JSON per `os_arch` (public namespaces), filled on first use by `readDownloadJson`. */
  downloadJson: Map<string, string>;
  /** `mirrorJson` as the bytes and headers answered. */
  mirrorAnswer: JsonAnswer;
  /** `downloadJson` as answered, filled on first use by `readDownloadAnswer`. */
  downloadAnswers: Map<string, JsonAnswer>;
}

/**
 * A JSON document of a public provider as it is answered, ready to write: the UTF-8 bytes, their strong ETag, and
 * the header list (`Content-Type`, `Content-Length`, `ETag`, flat name/value pairs as `res.writeHead` takes them).
 * The app's routes and the fast path answer from the same object, so both send the same bytes and headers.
 */
export interface JsonAnswer {
  json: string;
  body: Buffer;
  etag: string;
  headers: readonly string[];
}

/** The answer of a JSON document: its bytes, ETag (a digest of the bytes) and headers, computed once. */
export function createJsonAnswer(json: string): JsonAnswer {
  const body = Buffer.from(json, 'utf8');
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  const headers = ['Content-Type', 'application/json', 'Content-Length', String(body.length), 'ETag', etag];
  return { json, body, etag, headers };
}

/** Everything the protocol routes read for one provider, serialised once. */
export interface ProviderView {
  visibility: NamespaceVisibility;
  /** `GET /v1/providers/:ns/:type/versions`. */
  versionsJson: string;
  /** The network mirror's `index.json`. */
  mirrorIndexJson: string;
  /** `versionsJson` and `mirrorIndexJson` as answered. */
  versionsAnswer: JsonAnswer;
  mirrorIndexAnswer: JsonAnswer;
  /** Published versions, yanked ones included (a pinned download still works; only listings drop them). */
  versions: ReadonlyMap<string, VersionView>;
  loadedAt: number;
  /** What the view costs in memory, roughly: its strings plus what download JSON may still add. */
  bytes: number;
}

export interface ReadModel {
  /** The namespace's visibility; `undefined` for an unknown namespace. */
  namespace(namespace: string): Promise<NamespaceVisibility | undefined>;
  /** `undefined` for an unknown namespace or provider. */
  provider(namespace: string, type: string): Promise<ProviderView | undefined>;
  /** The view if it is loaded and fresh, else `undefined` (without loading it): for answers that cannot wait. */
  peek(namespace: string, type: string): ProviderView | undefined;
  /**
   * True while `view` (as `peek` gave it) is still the one `peek` would give: kept, not replaced, invalidated or
   * evicted since, and fresh. Cheaper than `peek` (no key to build, no lookup): for answers remembered by URL.
   */
  isCurrent(view: ProviderView): boolean;
  /** Call after every change to what the read side shows (publish, deprecate, yank). */
  invalidate(namespace: string, type: string): void;
  /** Drops every view and namespace kept (a change feed that may have missed events). */
  invalidateAll(): void;
}

/** How much the read model keeps. Every cache is an LRU bounded in entries, and the views in bytes too. */
export interface ReadModelLimits {
  /** Provider views kept. Default 1,000. */
  maxViews?: number;
  /** Total (estimated) bytes of the kept views. Default 64 MiB; a larger single view is served but not kept. */
  maxViewBytes?: number;
  /** Namespaces whose visibility is kept. Default 10,000 (names are at most 64 characters). */
  maxNamespaces?: number;
}

export const DEFAULT_READ_MODEL_LIMITS: Required<ReadModelLimits> = {
  maxViews: 1_000,
  maxViewBytes: 64 * 1024 ** 2,
  maxNamespaces: 10_000,
};

/**
 * The read side's cache: a versions, download or mirror read is a map lookup and a write of prepared bytes. The
 * views are rebuilt from the store on the first read after a change in this process; `ttlMs` bounds how stale a
 * view can be when other processes (replicas) write to the same store. Only what exists is kept (an unknown
 * name costs a store lookup, never memory), and callers pass only names that pass read-path.ts.
 */
export function createReadModel(metadata: MetadataStore, ttlMs = 5_000, limits: ReadModelLimits = {}): ReadModel {
  const { maxViews, maxViewBytes, maxNamespaces } = { ...DEFAULT_READ_MODEL_LIMITS, ...limits };
  const fresh = (loadedAt: number) => Date.now() - loadedAt <= ttlMs;
  // Views that left the cache (replaced, invalidated, evicted): `isCurrent` is false for them from then on.
  const retired = new WeakSet<ProviderView>();
  const views = new LRUCache<string, ProviderView>({
    max: maxViews,
    maxSize: maxViewBytes,
    sizeCalculation: (view) => Math.max(1, view.bytes),
    dispose: (view) => retired.add(view),
  });
  // Loads in flight, one per provider; bounded by the requests in flight. An invalidation drops the entry, so a
  // load it overtook never lands in `views`.
  const loading = new Map<string, Promise<ProviderView | undefined>>();
  const namespaces = new LRUCache<string, { visibility: NamespaceVisibility; loadedAt: number }>({
    max: maxNamespaces,
  });
  return {
    async namespace(name) {
      const cached = namespaces.get(name);
      if (cached && fresh(cached.loadedAt)) return cached.visibility;
      const loadedAt = Date.now();
      const record = await metadata.getNamespace(name);
      if (!record) {
        namespaces.delete(name);
        return undefined;
      }
      namespaces.set(name, { visibility: record.visibility, loadedAt });
      return record.visibility;
    },
    provider(namespace, type) {
      const key = `${namespace}/${type}`;
      const cached = views.get(key);
      if (cached && fresh(cached.loadedAt)) return Promise.resolve(cached);
      const inFlight = loading.get(key);
      if (inFlight) return inFlight;
      const pending = loadView(metadata, namespace, type);
      loading.set(key, pending);
      pending.then(
        (view) => {
          if (loading.get(key) !== pending) return;
          loading.delete(key);
          if (view) views.set(key, view);
          else views.delete(key);
        },
        () => loading.get(key) === pending && loading.delete(key),
      );
      return pending;
    },
    peek(namespace, type) {
      const view = views.get(`${namespace}/${type}`);
      return view && fresh(view.loadedAt) ? view : undefined;
    },
    isCurrent: (view) => fresh(view.loadedAt) && !retired.has(view),
    invalidate(namespace, type) {
      loading.delete(`${namespace}/${type}`);
      views.delete(`${namespace}/${type}`);
    },
    invalidateAll() {
      loading.clear();
      views.clear();
      namespaces.clear();
    },
  };
}

async function loadView(metadata: MetadataStore, namespace: string, type: string): Promise<ProviderView | undefined> {
  const loadedAt = Date.now();
  const [ns, provider] = await Promise.all([metadata.getNamespace(namespace), metadata.getProvider(namespace, type)]);
  if (!ns || !provider) return undefined;
  const published = (await metadata.listVersions(namespace, type))
    .filter((v) => v.state === 'published' && v.prepared !== undefined)
    .sort((a, b) => semver.compare(a.version, b.version));
  const versions = new Map<string, VersionView>();
  const listed: unknown[] = [];
  const warnings: string[] = [];
  const mirrorIndex = new Map<string, object>();
  let bytes = 0;
  for (const record of published) {
    const prepared = record.prepared as PreparedRelease;
    const view = createVersionView(record.version, record.yanked, prepared);
    versions.set(record.version, view);
    // The maps hold the stored objects; download JSON (string and bytes) may add about twice as much again.
    bytes += 2 * view.mirrorJson.length + 5 * JSON.stringify([prepared.downloads, prepared.files]).length;
    if (record.yanked) continue;
    listed.push({ version: record.version, protocols: prepared.protocols, platforms: prepared.platforms });
    mirrorIndex.set(record.version, {});
    if (record.deprecation !== undefined) {
      warnings.push(`Version ${record.version} of ${namespace}/${type} is deprecated: ${record.deprecation}`);
    }
  }
  const versionsBody: Record<string, unknown> = { versions: listed };
  if (warnings.length > 0) versionsBody.warnings = warnings;
  const versionsJson = JSON.stringify(versionsBody);
  const mirrorIndexJson = JSON.stringify({ versions: Object.fromEntries(mirrorIndex) });
  bytes += 2 * (versionsJson.length + mirrorIndexJson.length);
  return {
    visibility: ns.visibility,
    versionsJson,
    mirrorIndexJson,
    versionsAnswer: createJsonAnswer(versionsJson),
    mirrorIndexAnswer: createJsonAnswer(mirrorIndexJson),
    versions,
    loadedAt,
    bytes,
  };
}

function createVersionView(version: string, yanked: boolean, prepared: PreparedRelease): VersionView {
  const mirrorJson = JSON.stringify(prepared.mirror);
  // The stored records are plain objects; Object.entries reads own properties only, so `constructor` or
  // `__proto__` never become keys of these maps.
  return {
    version,
    yanked,
    downloads: new Map(Object.entries(prepared.downloads)),
    archives: new Map(Object.entries(prepared.mirror.archives)),
    files: new Map(Object.entries(prepared.files)),
    mirrorJson,
    downloadJson: new Map(),
    mirrorAnswer: createJsonAnswer(mirrorJson),
    downloadAnswers: new Map(),
  };
}

/** The download JSON of `platform` (`os_arch`) as a public namespace serves it; `undefined` when there is none. */
export function readDownloadJson(version: VersionView, platform: string): string | undefined {
  let json = version.downloadJson.get(platform);
  if (json === undefined) {
    const download = version.downloads.get(platform);
    if (download === undefined) return undefined;
    json = JSON.stringify(download);
    version.downloadJson.set(platform, json);
  }
  return json;
}

/** `readDownloadJson` as answered: bytes, ETag and headers; `undefined` when there is none. */
export function readDownloadAnswer(version: VersionView, platform: string): JsonAnswer | undefined {
  let answer = version.downloadAnswers.get(platform);
  if (answer === undefined) {
    const json = readDownloadJson(version, platform);
    if (json === undefined) return undefined;
    answer = createJsonAnswer(json);
    version.downloadAnswers.set(platform, answer);
  }
  return answer;
}
