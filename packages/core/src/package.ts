import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { collectInputs, type CollectedArtifact } from './collect';
import { SignetError } from './errors';
import { formatZh } from './hash-format';
import type { Problem } from './problem';
import { formatManifest } from './manifest';
import {
  assertProviderName,
  formatExecutableName,
  formatManifestName,
  formatShasumsName,
  formatZipName,
  parseArtifactName,
} from './names';
import type { ReleaseInput } from './release-config';
import { formatShasums } from './shasums';
import { normalizeProtocols, parseVersion } from './versions';
import { inspectZip } from './zip-inspect';
import { writeProviderZip } from './zip-write';

/** What to package: the release's identity, its inputs and where the files go. */
export interface PackageOptions {
  /** Provider type (`hello`). */
  name: string;
  /** Semver; a leading `v` is accepted and dropped. */
  version: string;
  /** Plugin protocol versions for the manifest (`6`, `v6`, `6.0`). */
  protocols: readonly string[];
  /** Binaries, ready zips or folders (see `collectInputs`). */
  inputs: readonly ReleaseInput[];
  /** Created when missing; other files in it are left alone, except this version's stale artifacts. */
  outDir: string;
  /** Restrict the release to these platforms; a missing one is an error. */
  platforms?: readonly string[] | undefined;
  /** Zips written at once; defaults to the number of cores (deflate runs on libuv's thread pool). */
  concurrency?: number | undefined;
  /** Called as each platform's zip is done. */
  onProgress?: ((event: { platform: string; done: number; total: number }) => void) | undefined;
}

/** One file written by `packageRelease`. */
export interface PackagedFile {
  fileName: string;
  path: string;
  sha256: string;
  size: number;
  /** Set for zips. */
  platform?: string;
  zh: string;
  /** Set for zips that could be read completely. */
  h1?: string;
}

/** Everything `packageRelease` wrote: the zips (sorted by platform), the manifest and SHA256SUMS, in that order. */
export interface PackageResult {
  name: string;
  version: string;
  protocols: string[];
  outDir: string;
  files: PackagedFile[];
  shasumsPath: string;
  manifestPath: string;
  /** Warnings found in ready zips (such as an unconventional executable name); errors stop packaging instead. */
  problems: Problem[];
}

/**
 * Packages a release into `outDir`: one flat, reproducible zip per platform, the manifest and SHA256SUMS (unsigned:
 * `signRelease` comes next). Platforms are zipped `concurrency` at a time; deflate runs on libuv's thread pool and
 * both hashes are taken in-stream, so each input is read once and each zip written once.
 *
 * Every file is written under a temporary name and renamed, so a crash leaves no half file. Other files in
 * `outDir` are left alone, but this version's artifacts that this run does not produce (a dropped platform, a
 * signature over the previous SHA256SUMS) are removed: a stale .sig next to a new SHA256SUMS would be a release
 * that fails verification, and the folder must hold exactly one consistent release of a version.
 */
export async function packageRelease(options: PackageOptions): Promise<PackageResult> {
  assertProviderName(options.name);
  const version = parseVersion(options.version);
  const protocols = normalizeProtocols(options.protocols);
  const artifacts = selectPlatforms(
    await collectInputs(options.inputs, { name: options.name, version }),
    options.platforms,
  );
  await mkdir(options.outDir, { recursive: true });

  const zips = await mapConcurrently(artifacts, readConcurrency(options.concurrency), async (artifact, done) => {
    const zip = await packageOne(artifact, options.name, version, options.outDir);
    options.onProgress?.({ platform: artifact.platform, done: done(), total: artifacts.length });
    return zip;
  });
  const problems = zips.flatMap((z) => z.problems);

  const manifestName = formatManifestName(options.name, version);
  const manifest = await writeAtomic(join(options.outDir, manifestName), formatManifest(protocols));
  const manifestFile: PackagedFile = {
    fileName: manifestName,
    path: manifest.path,
    sha256: manifest.sha256,
    size: manifest.size,
    zh: formatZh(manifest.sha256),
  };
  const shasumsName = formatShasumsName(options.name, version);
  const sums = await writeAtomic(
    join(options.outDir, shasumsName),
    formatShasums([...zips.map((z) => z.file), manifestFile].map((f) => ({ sha256: f.sha256, fileName: f.fileName }))),
  );
  const files = [
    ...zips.map((z) => z.file),
    manifestFile,
    { fileName: shasumsName, path: sums.path, sha256: sums.sha256, size: sums.size, zh: formatZh(sums.sha256) },
  ];
  await removeStale(options.outDir, options.name, version, new Set(files.map((f) => f.fileName)));
  return {
    name: options.name,
    version,
    protocols,
    outDir: options.outDir,
    files,
    shasumsPath: sums.path,
    manifestPath: manifest.path,
    problems,
  };
}

/** Cores by default: each zip keeps one thread-pool thread busy deflating (measured best with bench/package.ts). */
function readConcurrency(value: number | undefined): number {
  if (value === undefined) return availableParallelism();
  if (!Number.isInteger(value) || value < 1)
    throw new SignetError('INPUT_INVALID', `concurrency must be a positive integer; got ${JSON.stringify(value)}.`);
  return value;
}

/** Maps with at most `limit` calls in flight, keeping order; after a failure no new item starts. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, done: () => number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let finished = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, () => ++finished);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  // allSettled first so no zip is still being written when the caller hears of the failure.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

function selectPlatforms(
  artifacts: CollectedArtifact[],
  platforms: readonly string[] | undefined,
): CollectedArtifact[] {
  if (artifacts.length === 0) throw new SignetError('INPUT_INVALID', 'No inputs to package.');
  if (platforms === undefined) return artifacts;
  const missing = platforms.filter((p) => !artifacts.some((a) => a.platform === p));
  if (missing.length > 0) {
    throw new SignetError(
      'PLATFORM_REQUIRED_MISSING',
      `No binary or zip found for ${missing.join(', ')} (found ${artifacts.map((a) => a.platform).join(', ') || 'none'}); build it into the inputs, or leave it out of the platforms to release.`,
    );
  }
  return artifacts.filter((a) => platforms.includes(a.platform));
}

async function packageOne(
  artifact: CollectedArtifact,
  name: string,
  version: string,
  outDir: string,
): Promise<{ file: PackagedFile; problems: Problem[] }> {
  const fileName = formatZipName(name, version, artifact.platform);
  const path = join(outDir, fileName);
  const temporary = temporaryName(path);
  try {
    if (artifact.kind === 'binary') {
      const os = artifact.platform.split('_')[0]!;
      const zip = await writeProviderZip({
        source: artifact.path,
        entryName: formatExecutableName(name, version, os),
        out: temporary,
      });
      await rename(temporary, path);
      return {
        file: {
          fileName,
          path,
          platform: artifact.platform,
          sha256: zip.sha256,
          size: zip.size,
          zh: zip.zh,
          h1: zip.h1,
        },
        problems: [],
      };
    }
    return await copyReadyZip(artifact, { name, version, fileName, path, temporary });
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * A ready zip is copied byte for byte: its checksum is what its author published. It is inspected first, and one
 * terraform could not install (directory entries, no executable, a bomb) stops packaging with the reasons, rather
 * than being signed; the copy is hashed as it is written and must match what was inspected.
 */
async function copyReadyZip(
  artifact: CollectedArtifact,
  target: { name: string; version: string; fileName: string; path: string; temporary: string },
): Promise<{ file: PackagedFile; problems: Problem[] }> {
  const inspection = await inspectZip(artifact.path, {
    name: target.name,
    version: target.version,
    platform: artifact.platform,
  });
  const errors = inspection.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new SignetError(
      'INPUT_INVALID',
      `${JSON.stringify(artifact.path)} cannot be released as is: ${errors.map((p) => `${p.code}: ${p.message}`).join(' ')} Give Signet the binary instead and it will zip it.`,
    );
  }
  const hash = createHash('sha256');
  await pipeline(
    createReadStream(artifact.path, { highWaterMark: 1 << 20 }),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(target.temporary),
  );
  if (hash.digest('hex') !== inspection.sha256) {
    throw new SignetError(
      'INPUT_INVALID',
      `${JSON.stringify(artifact.path)} changed while it was being packaged; run again once it is complete.`,
    );
  }
  await rename(target.temporary, target.path);
  const file: PackagedFile = {
    fileName: target.fileName,
    path: target.path,
    platform: artifact.platform,
    sha256: inspection.sha256,
    size: inspection.size,
    zh: inspection.zh,
  };
  if (inspection.h1) file.h1 = inspection.h1;
  return { file, problems: inspection.problems.map((p) => ({ ...p, file: target.fileName })) };
}

async function writeAtomic(path: string, content: string): Promise<{ path: string; sha256: string; size: number }> {
  const temporary = temporaryName(path);
  await writeFile(temporary, content);
  await rename(temporary, path);
  return { path, sha256: createHash('sha256').update(content).digest('hex'), size: Buffer.byteLength(content) };
}

async function removeStale(outDir: string, name: string, version: string, keep: Set<string>): Promise<void> {
  for (const file of await readdir(outDir)) {
    // Temporary files of a run that crashed are this version's too: `<artifact>.<12 hex>.tmp`.
    const artifact = parseArtifactName(file.replace(TEMPORARY_SUFFIX, ''));
    if (artifact?.name === name && artifact.version === version && !keep.has(file))
      await rm(join(outDir, file), { force: true });
  }
}

const TEMPORARY_SUFFIX = /\.[0-9a-f]{12}\.tmp$/;

function temporaryName(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}.tmp`;
}
