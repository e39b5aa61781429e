import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';

import { SignetError } from '@signet/core';
import pLimit from 'p-limit';

import { createReadModel, readDownloadJson, type ProviderView } from './http/read-model';
import { isArtifactOf } from './http/read-path';
import type { DownloadResponse } from './prepare-release';
import { checkDigest, type StaticObject, type StaticSink } from './static-export-sink';
import { createFsStaticSink } from './static-export-fs-sink';
import type { BlobStore } from './storage/blob-store';
import type { MetadataStore } from './storage/metadata-store';

export interface ExportStaticOptions {
  metadata: MetadataStore;
  blobs: BlobStore;
  /** The folder to write (a `StaticSink` of that folder); give `sink` instead for another destination. */
  outDir?: string | undefined;
  sink?: StaticSink | undefined;
  /**
   * Where the export's root will be served, as an absolute `https://host/prefix/` or a root path `/prefix/`:
   * discovery then names `<base>v1/providers/` and file URLs start with it. Without it, file URLs are relative
   * (`../../../../../../files/…` from a download document), so the export works from any host and prefix, and discovery says
   * `/v1/providers/` (the export served at a host's root).
   */
  baseUrl?: string | undefined;
  /**
   * The providers' source hosts the network mirror answers for: `mirror/HOST/NS/TYPE/…` per host. Terraform puts
   * the source host in the mirror path and a static server has no wildcard, so each host is written out (only the
   * small JSON documents; their archive URLs point at the one copy under `v1/files/`). Default: the `baseUrl`'s host.
   */
  mirrorHosts?: readonly string[] | undefined;
  onProgress?: ((message: string) => void) | undefined;
}

export interface ExportStaticResult {
  /** Where it was written. */
  location: string;
  providers: number;
  /** Published versions exported, yanked ones included (their pinned downloads keep working, as live). */
  versions: number;
  mirrorHosts: string[];
  /** Paths written because they were missing or different. */
  written: string[];
  unchanged: number;
  /** Paths of an earlier export that this one no longer has. */
  removed: string[];
}

/** What each kind of path is served as; the nginx config and an object-store upload say the same. */
export const STATIC_CACHE_CONTROL = {
  document: 'public, max-age=60',
  file: 'public, max-age=31536000, immutable',
} as const;

/** The folders an export owns under its root: only paths under these are ever removed. */
export const STATIC_EXPORT_ROOTS = ['v1/providers/', 'v1/files/', 'mirror/'] as const;

const DISCOVERY_PATH = '.well-known/terraform.json';

interface Planned {
  object: StaticObject;
  open: () => Promise<AsyncIterable<Uint8Array>>;
}

/**
 * Writes the registry's whole read side as static files laid out as its URL paths, so that a plain static server
 * (nginx, an S3 bucket behind a CDN) answers what `signet serve` answers: discovery, the versions and download
 * documents, the network-mirror documents and the files. Only public namespaces and published versions, read
 * through the live read model, so the documents are the bytes the registry serves (file URLs aside) and yanked
 * versions are unlisted but still downloadable, as live. Writes only what is missing or different, files before the
 * documents that point at them, and then removes what an earlier export wrote and this one no longer has.
 */
export async function exportStaticRegistry(options: ExportStaticOptions): Promise<ExportStaticResult> {
  const base = parseBaseUrl(options.baseUrl);
  const mirrorHosts = [...new Set(options.mirrorHosts ?? (base?.host ? [base.host] : []))];
  for (const host of mirrorHosts) assertMirrorHost(host);
  if (!options.sink && !options.outDir) throw new SignetError('INPUT_INVALID', 'Give the export an outDir or a sink.');
  const sink = options.sink ?? (await createFsStaticSink(options.outDir!));
  try {
    const plan = await planExport(options.metadata, options.blobs, base, mirrorHosts);
    const result: ExportStaticResult = {
      location: sink.location,
      providers: plan.providers,
      versions: plan.versions,
      mirrorHosts,
      written: [],
      unchanged: 0,
      removed: [],
    };
    const limit = pLimit(4);
    // Files first, then each version's documents, then the listings: a reader never meets a URL whose target is
    // not there yet.
    for (const stage of [plan.files, plan.versionDocuments, plan.listings]) {
      const settled = await Promise.allSettled(
        stage.map((item) =>
          limit(async () => {
            if ((await sink.digest(item.object)) === item.object.sha256) {
              result.unchanged++;
              return;
            }
            options.onProgress?.(`writing ${item.object.path}`);
            await sink.write(item.object, async () => checkDigest(await item.open(), item.object));
            result.written.push(item.object.path);
          }),
        ),
      );
      // Every write of the stage has ended (none runs on after the export returns); the next stage never starts.
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
    const wanted = new Set([...plan.files, ...plan.versionDocuments, ...plan.listings].map((p) => p.object.path));
    for (const root of STATIC_EXPORT_ROOTS) {
      for await (const path of sink.list(root)) {
        if (wanted.has(path)) continue;
        options.onProgress?.(`removing ${path}`);
        await sink.remove(path);
        result.removed.push(path);
      }
    }
    result.written.sort();
    result.removed.sort();
    return result;
  } finally {
    if (!options.sink) await sink.close();
  }
}

interface Plan {
  providers: number;
  versions: number;
  files: Planned[];
  versionDocuments: Planned[];
  listings: Planned[];
}

async function planExport(
  metadata: MetadataStore,
  blobs: BlobStore,
  base: URL | undefined,
  mirrorHosts: readonly string[],
): Promise<Plan> {
  // A read model of its own: the views are built from the store now, exactly as the live routes build theirs.
  const readModel = createReadModel(metadata, Number.POSITIVE_INFINITY);
  const plan: Plan = { providers: 0, versions: 0, files: [], versionDocuments: [], listings: [] };
  const url = (from: string, rootPath: string) => rebaseUrl(rootPath, from, base);
  for (const namespace of await metadata.listNamespaces()) {
    if (namespace.visibility !== 'public') continue;
    for (const provider of await metadata.listProviders(namespace.name)) {
      const view = await readModel.provider(namespace.name, provider.type);
      if (view?.visibility !== 'public') continue;
      plan.providers++;
      planProvider(plan, blobs, view, `${namespace.name}/${provider.type}`, mirrorHosts, url);
    }
  }
  // Discovery is always fetched from the host's root, so without a base its URL is the live one, root-relative.
  const providersV1 = base ? rebaseUrl('/v1/providers/', DISCOVERY_PATH, base) : '/v1/providers/';
  plan.listings.push(document(DISCOVERY_PATH, JSON.stringify({ 'providers.v1': providersV1 })));
  return plan;
}

function planProvider(
  plan: Plan,
  blobs: BlobStore,
  view: ProviderView,
  address: string,
  mirrorHosts: readonly string[],
  url: (from: string, rootPath: string) => string,
): void {
  const [, type] = address.split('/') as [string, string];
  plan.listings.push(document(`v1/providers/${address}/versions`, view.versionsJson));
  for (const host of mirrorHosts)
    plan.listings.push(document(`mirror/${host}/${address}/index.json`, view.mirrorIndexJson));
  for (const version of view.versions.values()) {
    plan.versions++;
    for (const [name, stored] of version.files) {
      // What the live file route serves (the four artifact kinds of this version), nothing else.
      if (!isArtifactOf(name, type, version.version)) continue;
      const path = `v1/files/${address}/${version.version}/${name}`;
      plan.files.push({ object: fileObject(path, stored), open: () => blobs.open(stored.sha256) });
    }
    for (const platform of version.downloads.keys()) {
      const download = JSON.parse(readDownloadJson(version, platform)!) as DownloadResponse;
      const path = `v1/providers/${address}/${version.version}/download/${download.os}/${download.arch}`;
      download.download_url = url(path, download.download_url);
      download.shasums_url = url(path, download.shasums_url);
      download.shasums_signature_url = url(path, download.shasums_signature_url);
      plan.versionDocuments.push(document(path, JSON.stringify(download)));
    }
    for (const host of mirrorHosts) {
      const path = `mirror/${host}/${address}/${version.version}.json`;
      const mirror = JSON.parse(version.mirrorJson) as { archives: Record<string, { url: string }> };
      for (const archive of Object.values(mirror.archives)) archive.url = url(path, archive.url);
      plan.versionDocuments.push(document(path, JSON.stringify(mirror)));
    }
  }
}

function document(path: string, json: string): Planned {
  const bytes = Buffer.from(json);
  const object: StaticObject = {
    path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    contentType: 'application/json',
    cacheControl: STATIC_CACHE_CONTROL.document,
  };
  return {
    object,
    open: () => Promise.resolve(Readable.from([bytes])),
  };
}

function fileObject(path: string, stored: { sha256: string; size: number }): StaticObject {
  return {
    path,
    ...stored,
    contentType: staticContentType(path),
    cacheControl: STATIC_CACHE_CONTROL.file,
  };
}

/** The `Content-Type` of an exported path, as the live registry serves it. */
export function staticContentType(path: string): string {
  if (!path.startsWith('v1/files/')) return 'application/json';
  if (path.endsWith('.zip')) return 'application/zip';
  if (path.endsWith('.sig')) return 'application/pgp-signature';
  if (path.endsWith('.json')) return 'application/json';
  return 'text/plain; charset=utf-8';
}

/**
 * A root-relative URL of the live registry (`/v1/files/…`), as the document at `from` (an export path) must say
 * it: under `base` when there is one, else relative to the document, which terraform resolves against the URL it
 * fetched the document from (terraform-protocol.md §1.6 and §3), wherever the export is served.
 */
export function rebaseUrl(rootPath: string, from: string, base: URL | undefined): string {
  if (!rootPath.startsWith('/')) return rootPath;
  if (base?.protocol === 'relative:') return `${base.pathname}${rootPath.slice(1)}`;
  if (base) return new URL(rootPath.slice(1), base).href;
  return posix.relative(posix.dirname(`/${from}`), rootPath);
}

/** `https://host/prefix/` (or a root path `/prefix/`, kept as `relative:/prefix/`), with the trailing slash. */
function parseBaseUrl(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  const withSlash = value.endsWith('/') ? value : `${value}/`;
  let url: URL | undefined;
  try {
    url = new URL(withSlash.startsWith('/') && !withSlash.startsWith('//') ? `relative:${withSlash}` : withSlash);
  } catch {
    url = undefined;
  }
  if (!url || !['https:', 'http:', 'relative:'].includes(url.protocol) || url.search || url.hash || url.username) {
    throw new SignetError(
      'INPUT_INVALID',
      `Expected the base URL as https://host/prefix/ or a root path /prefix/, found ${JSON.stringify(value)}.`,
    );
  }
  return url;
}

/** A host name (with an optional port) as a path segment: terraform's source host, lower case. */
function assertMirrorHost(host: string): void {
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(host) || host.includes('..')) {
    throw new SignetError(
      'INPUT_INVALID',
      `Expected a provider source host such as registry.example.com for the network mirror, found ${JSON.stringify(host)}.`,
    );
  }
}
