import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { lstat, mkdir, opendir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { SignetError } from '@signet/core';

import type { StaticSink } from './static-export-sink';

/**
 * The digest cache's file, at the export's root. The documented nginx config serves only the export's four roots,
 * so this file is never served; an object store never receives it (the S3 sink keeps digests in object metadata).
 */
export const FS_SINK_STATE_FILE = '.signet-static-export.json';

interface CachedDigest {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

/**
 * A static export in a folder, laid out as the URL paths. Writes go to a temporary file beside the target, then a
 * rename, so nginx serves the old or the new file, never half of one. `digest` hashes a file only when its size
 * matches and its size, mtime and inode differ from what the last export recorded (the state file), so an
 * unchanged export of gigabytes of zips reads none of them.
 */
export async function createFsStaticSink(folder: string): Promise<StaticSink> {
  // Absolute and without a trailing separator: removing empty folders stops at exactly this one.
  const outDir = resolve(folder);
  await mkdir(outDir, { recursive: true });
  const statePath = join(outDir, FS_SINK_STATE_FILE);
  const cache = await readState(statePath);
  const seen = new Map<string, CachedDigest>();
  const full = (path: string) => {
    if (path === '' || path.startsWith('/') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new SignetError('INTERNAL', `Refusing the export path ${JSON.stringify(path)}.`);
    }
    return join(outDir, ...path.split('/'));
  };
  const remember = (path: string, info: Stats, sha256: string) =>
    seen.set(path, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256 });

  return {
    location: outDir,
    async digest({ path, size }) {
      const info = await lstat(full(path)).catch(() => undefined);
      if (!info?.isFile() || info.size !== size) return undefined;
      const cached = cache.get(path);
      if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs && cached.ino === info.ino) {
        remember(path, info, cached.sha256);
        return cached.sha256;
      }
      const hash = createHash('sha256');
      await pipeline(createReadStream(full(path)), hash);
      const sha256 = hash.digest('hex');
      remember(path, info, sha256);
      return sha256;
    },
    async write(object, open) {
      const target = full(object.path);
      await mkdir(dirname(target), { recursive: true });
      // A dot name nothing routes to; a crash leaves it behind, and the next export removes it (it plans no such path).
      const temporary = join(dirname(target), `.signet-tmp-${randomUUID()}`);
      try {
        await pipeline(await open(), createWriteStream(temporary, { mode: 0o644 }));
        await rename(temporary, target);
      } finally {
        await rm(temporary, { force: true });
      }
      remember(object.path, await lstat(target), object.sha256);
    },
    async remove(path) {
      await rm(full(path), { force: true });
      seen.delete(path);
      // Empty folders go too, up to (not including) the export's root.
      for (let dir = dirname(full(path)); dir.startsWith(outDir + sep); dir = dirname(dir)) {
        if (
          !(await rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    },
    async *list(prefix) {
      yield* walk(outDir, prefix.replace(/\/$/, ''));
    },
    async close() {
      const temporary = `${statePath}.tmp-${randomUUID()}`;
      await writeFile(temporary, `${JSON.stringify({ version: 1, files: Object.fromEntries(seen) })}\n`);
      await rename(temporary, statePath);
    },
  };
}

async function* walk(root: string, relative: string): AsyncGenerator<string> {
  const dir = await opendir(join(root, ...relative.split('/'))).catch(() => undefined);
  if (!dir) return;
  for await (const entry of dir) {
    const path = `${relative}/${entry.name}`;
    if (entry.isDirectory()) yield* walk(root, path);
    else yield path;
  }
}

async function readState(path: string): Promise<Map<string, CachedDigest>> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as {
      version?: number;
      files?: Record<string, CachedDigest>;
    };
    return parsed.version === 1 && parsed.files ? new Map(Object.entries(parsed.files)) : new Map();
  } catch {
    // No state (a first export) or an unreadable one: every file is hashed once, which is only slower.
    return new Map();
  }
}
