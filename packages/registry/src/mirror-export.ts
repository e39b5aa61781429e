import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { SignetError } from '@signet/core';
import { sha256File } from '@signet/core/node';

import type { PreparedRelease } from './prepare-release';
import type { BlobStore } from './storage/blob-store';
import type { MetadataStore } from './storage/metadata-store';

/** One platform's zip of a version, wherever it is read from. */
export interface MirrorArchiveSource {
  platform: string;
  fileName: string;
  /** `h1:` and `zh:` hashes, as the network mirror serves them. */
  hashes: string[];
  sha256: string;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

/** What an export reads: the registry's published, not yanked versions. */
export interface MirrorSource {
  providers(): Promise<{ namespace: string; type: string }[]>;
  versions(namespace: string, type: string): Promise<{ version: string; archives: MirrorArchiveSource[] }[]>;
}

export interface ExportMirrorOptions {
  source: MirrorSource;
  outDir: string;
  /** The providers' source host, the first folder level (`localhost:8443`, `registry.example.com`). */
  host: string;
  onProgress?: ((message: string) => void) | undefined;
}

export interface ExportMirrorResult {
  providers: number;
  versions: number;
  written: number;
  unchanged: number;
}

/**
 * Writes a packed filesystem mirror (`HOST/NS/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip`) plus the
 * network-mirror JSON (`index.json`, `VERSION.json` with relative URLs and h1/zh hashes) beside the zips, so the
 * folder works as a `filesystem_mirror` and, served over HTTPS, as a static `network_mirror`. Zips already there
 * with the right SHA-256 are kept; every zip written is checked against its SHA-256 while streaming.
 */
export async function exportMirror(options: ExportMirrorOptions): Promise<ExportMirrorResult> {
  const { source, outDir, host } = options;
  if (!host || /[/\\]|\.\./.test(host)) {
    throw new SignetError(
      'INPUT_INVALID',
      `Mirror host ${JSON.stringify(host)} is not a host name (e.g. registry.example.com or localhost:8443).`,
    );
  }
  const result: ExportMirrorResult = { providers: 0, versions: 0, written: 0, unchanged: 0 };
  for (const { namespace, type } of await source.providers()) {
    const versions = await source.versions(namespace, type);
    if (versions.length === 0) continue;
    const dir = join(outDir, host, namespace, type);
    await mkdir(dir, { recursive: true });
    const index: Record<string, object> = {};
    for (const { version, archives } of versions) {
      const document: Record<string, { url: string; hashes: string[] }> = {};
      for (const archive of archives) {
        const path = join(dir, archive.fileName);
        if ((await sha256File(path).catch(() => undefined)) === archive.sha256) {
          result.unchanged++;
        } else {
          options.onProgress?.(`writing ${host}/${namespace}/${type}/${archive.fileName}`);
          await writeChecked(path, await archive.open(), archive.sha256);
          result.written++;
        }
        document[archive.platform] = { url: archive.fileName, hashes: archive.hashes };
      }
      await writeAtomic(join(dir, `${version}.json`), `${JSON.stringify({ archives: document }, null, 2)}\n`);
      index[version] = {};
      result.versions++;
    }
    await writeAtomic(join(dir, 'index.json'), `${JSON.stringify({ versions: index }, null, 2)}\n`);
    result.providers++;
  }
  return result;
}

/** The export source of the embedded stores (`signet mirror export --data DIR`). */
export function storeMirrorSource(metadata: MetadataStore, blobs: BlobStore): MirrorSource {
  return {
    async providers() {
      const namespaces = await metadata.listNamespaces();
      const lists = await Promise.all(namespaces.map((ns) => metadata.listProviders(ns.name)));
      return lists.flat().map((p) => ({ namespace: p.namespace, type: p.type }));
    },
    async versions(namespace, type) {
      const versions = await metadata.listVersions(namespace, type);
      return versions
        .filter((v) => v.state === 'published' && !v.yanked && v.prepared !== undefined)
        .map((v) => {
          const prepared = v.prepared as PreparedRelease;
          return {
            version: v.version,
            archives: Object.entries(prepared.downloads).map(([platform, download]) => ({
              platform,
              fileName: download.filename,
              hashes: prepared.mirror.archives[platform]?.hashes ?? [],
              sha256: download.shasum,
              open: () => blobs.open(download.shasum),
            })),
          };
        });
    },
  };
}

async function writeChecked(path: string, source: AsyncIterable<Uint8Array>, sha256: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, tap, createWriteStream(temporary));
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      throw new SignetError(
        'SHASUMS_MISMATCH',
        `${path}: expected SHA-256 ${sha256}, received ${actual}; nothing was written.`,
      );
    }
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function writeAtomic(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
