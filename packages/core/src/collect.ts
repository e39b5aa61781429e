import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { SignetError } from './errors';
import { parseArtifactName, parseExecutableName } from './names';
import { isKnownPlatform, KNOWN_ARCH, KNOWN_OS } from './platforms';
import type { ReleaseInput } from './release-config';

/** One platform's source for packaging: a binary to zip, or a ready zip to copy as is. */
export interface CollectedArtifact {
  platform: string;
  kind: 'binary' | 'zip';
  path: string;
}

// `linux_amd64`, or GoReleaser's build folder `hello_linux_amd64_v1` / `hello_linux_arm_6` / `hello_darwin_arm64_v8.0`.
const PLATFORM_DIR = new RegExp(`(?:^|_)(${KNOWN_OS.join('|')})_(${KNOWN_ARCH.join('|')})(?:_[A-Za-z0-9.]+)?$`);

/** The platform a folder name stands for (`linux_amd64`, `hello_linux_amd64_v1`), if any. */
export function platformOfDir(name: string): string | undefined {
  const match = PLATFORM_DIR.exec(name);
  return match ? `${match[1]}_${match[2]}` : undefined;
}

/**
 * Turns packaging inputs into one source per platform. Accepted: binaries in an `os_arch/` folder (the seed's
 * `linux_amd64/hello_v1.0.0`, or `terraform-provider-hello_v1.0.0`), ready zips named
 * `terraform-provider-NAME_VERSION_OS_ARCH.zip`, a file with its platform given, and folders holding any of these
 * (a GoReleaser `dist/`). When a folder has both a platform's binary and its zip (GoReleaser writes both), the
 * binary wins: Signet's zip is flat and reproducible, GoReleaser's may hold extra files or directory entries.
 */
export async function collectInputs(
  inputs: readonly ReleaseInput[],
  release: { name: string; version: string },
): Promise<CollectedArtifact[]> {
  const found: CollectedArtifact[] = [];
  for (const input of inputs) {
    const info = await stat(input.path).catch(() => {
      throw new SignetError('INPUT_INVALID', `Input ${JSON.stringify(input.path)} does not exist.`);
    });
    if (input.platform !== undefined && !isKnownPlatform(input.platform))
      throw unknownPlatform(input.platform, input.path);
    if (info.isFile()) found.push(classifyFile(input.path, release, { required: true, platform: input.platform })!);
    else if (info.isDirectory()) found.push(...(await collectFolder(input.path, release, input.platform)));
    else throw new SignetError('INPUT_INVALID', `Input ${JSON.stringify(input.path)} is neither a file nor a folder.`);
  }
  return dedupe(found);
}

/** Walks a folder: an `os_arch` one (or one given a platform) holds binaries, any other is searched one level. */
async function collectFolder(
  dir: string,
  release: { name: string; version: string },
  platform?: string,
): Promise<CollectedArtifact[]> {
  const own = platform ?? platformOfDir(basename(dir));
  const entries = await readdir(dir, { withFileTypes: true });
  const result: CollectedArtifact[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isFile()) {
      const artifact = classifyFile(path, release, { required: false, platform: own });
      if (artifact) result.push(artifact);
    } else if (entry.isDirectory() && own === undefined && platformOfDir(entry.name) !== undefined) {
      result.push(...(await collectFolder(path, release)));
    }
  }
  if (result.length === 0) {
    throw new SignetError(
      'INPUT_INVALID',
      own === undefined
        ? `No binaries or zips found in ${JSON.stringify(dir)}: expected os_arch folders (linux_amd64/${release.name}_v${release.version}), zips named terraform-provider-${release.name}_${release.version}_OS_ARCH.zip, or a GoReleaser dist/.`
        : `No executable found in ${JSON.stringify(dir)}: expected ${release.name}_v${release.version} or terraform-provider-${release.name}_v${release.version}${own.startsWith('windows') ? '.exe' : ''}.`,
    );
  }
  // GoReleaser's dist/ holds both a platform's binary (in its build folder) and its zip: keep the binary.
  const binaries = new Set(result.filter((a) => a.kind === 'binary').map((a) => a.platform));
  return result.filter((a) => a.kind === 'binary' || !binaries.has(a.platform));
}

interface ClassifyOptions {
  /** Makes an unrecognised file an error instead of being skipped (it was named as an input). */
  required: boolean;
  /** The platform given for the file or its folder; otherwise the parent folder's name decides. */
  platform?: string | undefined;
}

function classifyFile(
  path: string,
  release: { name: string; version: string },
  options: ClassifyOptions,
): CollectedArtifact | undefined {
  const file = basename(path);
  const artifact = parseArtifactName(file);
  if (artifact?.kind === 'zip') {
    checkIdentity(file, artifact, release);
    if (options.platform !== undefined && options.platform !== artifact.platform) {
      throw new SignetError(
        'INPUT_INVALID',
        `${JSON.stringify(path)} is named for ${artifact.platform} but given for ${options.platform}; rename the zip or fix the platform.`,
      );
    }
    if (!isKnownPlatform(artifact.platform)) throw unknownPlatform(artifact.platform, path);
    return { platform: artifact.platform, kind: 'zip', path };
  }
  if (artifact) return undefined; // SHA256SUMS, .sig, manifest: Signet writes its own
  let executable = parseExecutableName(file);
  // `readme_v2` parses as the short form too: in a folder walk, only a short name that is the provider's counts.
  if (executable && !options.required && !file.startsWith('terraform-provider-') && executable.name !== release.name)
    executable = undefined;
  if (executable)
    checkIdentity(file, { name: executable.name, version: executable.version ?? release.version }, release);
  const platform = options.platform ?? platformOfDir(basename(dirname(path)));
  if (platform !== undefined && (executable || (options.required && options.platform !== undefined))) {
    // A file given with its platform is taken whatever its name: `files: {linux_amd64: build/out}` in signet.yaml.
    return { platform, kind: file.endsWith('.zip') ? 'zip' : 'binary', path };
  }
  if (!options.required) return undefined;
  throw new SignetError(
    'INPUT_INVALID',
    `Cannot tell the platform of ${JSON.stringify(path)}: put binaries in an os_arch folder (linux_amd64/${release.name}_v${release.version}), name zips terraform-provider-${release.name}_${release.version}_OS_ARCH.zip, or map the platform to the file in signet.yaml (files: {linux_amd64: path}).`,
  );
}

function checkIdentity(
  file: string,
  found: { name: string; version: string },
  release: { name: string; version: string },
): void {
  if (found.name !== release.name) {
    throw new SignetError(
      'FILENAME_NAME_MISMATCH',
      `${JSON.stringify(file)} is for provider ${JSON.stringify(found.name)}, but the release is ${JSON.stringify(release.name)}.`,
    );
  }
  if (found.version !== release.version) {
    throw new SignetError(
      'FILENAME_VERSION_MISMATCH',
      `${JSON.stringify(file)} is for version ${JSON.stringify(found.version)}, but the release is ${JSON.stringify(release.version)}.`,
    );
  }
}

function unknownPlatform(platform: string, path: string): SignetError {
  return new SignetError(
    'PLATFORM_UNKNOWN',
    `${JSON.stringify(path)} is for platform ${JSON.stringify(platform)}, which tofu/terraform do not know; expected os_arch such as "linux_amd64".`,
  );
}

function dedupe(artifacts: CollectedArtifact[]): CollectedArtifact[] {
  const byPlatform = new Map<string, CollectedArtifact>();
  for (const artifact of artifacts) {
    const previous = byPlatform.get(artifact.platform);
    if (previous && previous.path !== artifact.path) {
      throw new SignetError(
        'PLATFORM_DUPLICATE',
        `Platform ${artifact.platform} is given twice: ${JSON.stringify(previous.path)} and ${JSON.stringify(artifact.path)}; keep one.`,
      );
    }
    byPlatform.set(artifact.platform, artifact);
  }
  return [...byPlatform.values()].sort((a, b) => (a.platform < b.platform ? -1 : 1));
}
