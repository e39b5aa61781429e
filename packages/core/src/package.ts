import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { collectInputs, type CollectedArtifact } from './collect';
import { SignetError } from './errors';
import { formatZh } from './hashes';
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

export interface PackageOptions {
  name: string;
  version: string;
  protocols: readonly string[];
  inputs: readonly ReleaseInput[];
  outDir: string;
  /** Restrict the release to these platforms; a missing one is an error. */
  platforms?: readonly string[] | undefined;
  /** Zips written at once; defaults to the number of cores (deflate runs on libuv's thread pool). */
  concurrency?: number;
  onProgress?: (event: { platform: string; done: number; total: number }) => void;
}

/** One file written by `packageRelease`. */
export interface PackagedFile {
  fileName: string;
  path: string;
  sha256: string;
  size: number;
  platform?: string;
  zh: string;
  h1?: string;
}

export interface PackageResult {
  name: string;
  version: string;
  protocols: string[];
  outDir: string;
  files: PackagedFile[];
  shasumsPath: string;
  manifestPath: string;
}

/**
 * Packages a release into `outDir`: one flat, reproducible zip per platform, the manifest and SHA256SUMS (unsigned:
 * `signRelease` comes next). Every file is written under a temporary name and renamed, so a crash leaves no half
 * file; older artifacts of the same version that this run does not produce (a dropped platform, the now stale
 * signature) are removed so the folder holds exactly one consistent release.
 */
export async function packageRelease(options: PackageOptions): Promise<PackageResult> {
  assertProviderName(options.name);
  const version = parseVersion(options.version);
  const protocols = normalizeProtocols(options.protocols);
  const artifacts = selectPlatforms(await collectInputs(options.inputs, { name: options.name, version }), options.platforms);
  await mkdir(options.outDir, { recursive: true });

  const zips = new Array<PackagedFile>(artifacts.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < artifacts.length; i = next++) {
      zips[i] = await packageOne(artifacts[i]!, options.name, version, options.outDir);
      options.onProgress?.({ platform: artifacts[i]!.platform, done: ++done, total: artifacts.length });
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), artifacts.length));
  await Promise.all(Array.from({ length: concurrency }, worker));

  const manifestName = formatManifestName(options.name, version);
  const manifest = await writeAtomic(join(options.outDir, manifestName), formatManifest(protocols));
  const manifestFile: PackagedFile = { fileName: manifestName, path: manifest.path, sha256: manifest.sha256, size: manifest.size, zh: formatZh(manifest.sha256) };
  const shasumsName = formatShasumsName(options.name, version);
  const sums = await writeAtomic(
    join(options.outDir, shasumsName),
    formatShasums([...zips, manifestFile].map((f) => ({ sha256: f.sha256, fileName: f.fileName }))),
  );
  const files = [...zips, manifestFile, { fileName: shasumsName, path: sums.path, sha256: sums.sha256, size: sums.size, zh: formatZh(sums.sha256) }];
  await removeStale(options.outDir, options.name, version, new Set(files.map((f) => f.fileName)));
  return { name: options.name, version, protocols, outDir: options.outDir, files, shasumsPath: sums.path, manifestPath: manifest.path };
}

function selectPlatforms(artifacts: CollectedArtifact[], platforms: readonly string[] | undefined): CollectedArtifact[] {
  if (artifacts.length === 0) throw new SignetError('INPUT_INVALID', 'No inputs to package.');
  if (platforms === undefined) return artifacts;
  const missing = platforms.filter((p) => !artifacts.some((a) => a.platform === p));
  if (missing.length > 0) {
    throw new SignetError('PLATFORM_REQUIRED_MISSING', `No binary or zip found for ${missing.join(', ')}; found ${artifacts.map((a) => a.platform).join(', ')}.`);
  }
  return artifacts.filter((a) => platforms.includes(a.platform));
}

async function packageOne(artifact: CollectedArtifact, name: string, version: string, outDir: string): Promise<PackagedFile> {
  const fileName = formatZipName(name, version, artifact.platform);
  const path = join(outDir, fileName);
  const temporary = temporaryName(path);
  try {
    if (artifact.kind === 'binary') {
      const os = artifact.platform.split('_')[0]!;
      const zip = await writeProviderZip({ source: artifact.path, entryName: formatExecutableName(name, version, os), out: temporary });
      await rename(temporary, path);
      return { fileName, path, platform: artifact.platform, sha256: zip.sha256, size: zip.size, zh: zip.zh, h1: zip.h1 };
    }
    // A ready zip is copied byte for byte: its checksum is what its author published.
    await pipeline(createReadStream(artifact.path), createWriteStream(temporary));
    await rename(temporary, path);
    const inspection = await inspectZip(path, { name, version, platform: artifact.platform });
    const file: PackagedFile = { fileName, path, platform: artifact.platform, sha256: inspection.sha256, size: inspection.size, zh: inspection.zh };
    if (inspection.h1) file.h1 = inspection.h1;
    return file;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function writeAtomic(path: string, content: string): Promise<{ path: string; sha256: string; size: number }> {
  const temporary = temporaryName(path);
  await writeFile(temporary, content);
  await rename(temporary, path);
  return { path, sha256: createHash('sha256').update(content).digest('hex'), size: Buffer.byteLength(content) };
}

async function removeStale(outDir: string, name: string, version: string, keep: Set<string>): Promise<void> {
  for (const file of await readdir(outDir)) {
    const artifact = parseArtifactName(file);
    if (artifact?.name === name && artifact.version === version && !keep.has(file)) await rm(join(outDir, file), { force: true });
  }
}

function temporaryName(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}.tmp`;
}
