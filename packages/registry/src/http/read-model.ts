import semver from 'semver';

import type { PreparedRelease } from '../prepare-release';
import type { MetadataStore } from '../storage/metadata-store';
import type { NamespaceVisibility } from '../storage/records';

/** One published version as the read side serves it. */
export interface VersionView {
  version: string;
  yanked: boolean;
  prepared: PreparedRelease;
  /** Pre-serialised `<version>.json` of the network mirror (public namespaces). */
  mirrorJson: string;
  /** Pre-serialised download JSON per `os_arch` (public namespaces), filled on first use by `readDownloadJson`. */
  downloadJson: Map<string, string>;
}

/** Everything the protocol routes read for one provider, serialised once. */
export interface ProviderView {
  visibility: NamespaceVisibility;
  /** `GET /v1/providers/:ns/:type/versions`. */
  versionsJson: string;
  /** The network mirror's `index.json`. */
  mirrorIndexJson: string;
  /** Published versions, yanked ones included (a pinned download still works; only listings drop them). */
  versions: Map<string, VersionView>;
  loadedAt: number;
}

export interface ReadModel {
  /** `undefined` for an unknown namespace or provider. */
  provider(namespace: string, type: string): Promise<ProviderView | undefined>;
  /** The view if it is loaded and fresh, else `undefined` (without loading it): for answers that cannot wait. */
  peek(namespace: string, type: string): ProviderView | undefined;
  /** Call after every change to what the read side shows (publish, deprecate, yank). */
  invalidate(namespace: string, type: string): void;
}

/**
 * The read side's cache: a versions, download or mirror read is a map lookup and a write of prepared bytes. The
 * views are rebuilt from the store on the first read after a change in this process; `ttlMs` bounds how stale a
 * view can be when other processes (replicas) write to the same store.
 */
export function createReadModel(metadata: MetadataStore, ttlMs = 5_000): ReadModel {
  const views = new Map<string, Promise<ProviderView | undefined>>();
  // The settled views of `views`, for `peek`; a load that an invalidation overtook never lands here.
  const ready = new Map<string, ProviderView>();
  return {
    async provider(namespace, type) {
      const key = `${namespace}/${type}`;
      let pending = views.get(key);
      if (pending) {
        const view = await pending;
        if (view === undefined || Date.now() - view.loadedAt <= ttlMs) return view;
        if (views.get(key) === pending) views.delete(key);
        pending = undefined;
      }
      pending = load(metadata, namespace, type);
      views.set(key, pending);
      pending.then(
        (view) => {
          if (views.get(key) !== pending) return;
          if (view) ready.set(key, view);
          else {
            views.delete(key);
            ready.delete(key);
          }
        },
        () => views.get(key) === pending && views.delete(key),
      );
      return pending;
    },
    peek(namespace, type) {
      const view = ready.get(`${namespace}/${type}`);
      return view && Date.now() - view.loadedAt <= ttlMs ? view : undefined;
    },
    invalidate(namespace, type) {
      views.delete(`${namespace}/${type}`);
      ready.delete(`${namespace}/${type}`);
    },
  };
}

async function load(metadata: MetadataStore, namespace: string, type: string): Promise<ProviderView | undefined> {
  const loadedAt = Date.now();
  const [ns, provider] = await Promise.all([metadata.getNamespace(namespace), metadata.getProvider(namespace, type)]);
  if (!ns || !provider) return undefined;
  const published = (await metadata.listVersions(namespace, type))
    .filter((v) => v.state === 'published' && v.prepared !== undefined)
    .sort((a, b) => semver.compare(a.version, b.version));
  const versions = new Map<string, VersionView>();
  const listed: unknown[] = [];
  const warnings: string[] = [];
  const mirrorIndex: Record<string, object> = {};
  for (const record of published) {
    const prepared = record.prepared as PreparedRelease;
    versions.set(record.version, {
      version: record.version,
      yanked: record.yanked,
      prepared,
      mirrorJson: JSON.stringify(prepared.mirror),
      downloadJson: new Map(),
    });
    if (record.yanked) continue;
    listed.push({ version: record.version, protocols: prepared.protocols, platforms: prepared.platforms });
    mirrorIndex[record.version] = {};
    if (record.deprecation !== undefined) {
      warnings.push(`Version ${record.version} of ${namespace}/${type} is deprecated: ${record.deprecation}`);
    }
  }
  const versionsBody: Record<string, unknown> = { versions: listed };
  if (warnings.length > 0) versionsBody.warnings = warnings;
  return {
    visibility: ns.visibility,
    versionsJson: JSON.stringify(versionsBody),
    mirrorIndexJson: JSON.stringify({ versions: mirrorIndex }),
    versions,
    loadedAt,
  };
}

/** The download JSON of `platform` (`os_arch`) as a public namespace serves it; `undefined` when there is none. */
export function readDownloadJson(version: VersionView, platform: string): string | undefined {
  let json = version.downloadJson.get(platform);
  if (json === undefined && Object.hasOwn(version.prepared.downloads, platform)) {
    json = JSON.stringify(version.prepared.downloads[platform]);
    version.downloadJson.set(platform, json);
  }
  return json;
}
