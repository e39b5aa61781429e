// Real provider executables for the desktop's end-to-end suites: a tiny `package main` (standard library only)
// cross-compiled by the Go toolchain on the PATH for each platform, laid out as the core's collectInputs accepts
// raw binaries (the seed layout): `DIR/linux_amd64/terraform-provider-NAME_vVERSION`, `.exe` on windows. Each
// header is a real ELF / Mach-O / PE for its platform, so the core's binary-platform check sees what a real
// release has. Builds run two at a time and are done once per test file (per worker) and name/version.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { DEFAULT_PLATFORMS } from '@signet/core';

import { hasCommand } from './tools';

/** The 13 platforms of the core's default release set, all of which Go 1.19 can build. */
export const GO_PLATFORMS: readonly string[] = DEFAULT_PLATFORMS;

export interface GoProviderBinary {
  platform: string;
  path: string;
  size: number;
}

export interface GoProviders {
  /** The folder to give a release as its input: one `os_arch/` folder per platform. */
  folder: string;
  name: string;
  version: string;
  binaries: GoProviderBinary[];
}

export interface BuildGoProvidersOptions {
  /** Where the `os_arch/` folders go (made if missing). */
  folder: string;
  name?: string;
  version?: string;
  platforms?: readonly string[];
  /** How many `go build` run at once (2 cores here). */
  concurrency?: number;
}

/** True when a Go toolchain is on the PATH. */
export function hasGo(): boolean {
  return hasCommand('go');
}

/** The file name collectInputs expects for a raw binary of `platform`. */
export function providerExecutableName(name: string, version: string, platform: string): string {
  return `terraform-provider-${name}_v${version}${platform.startsWith('windows') ? '.exe' : ''}`;
}

const MAIN_GO = `package main

import "os"

// Set at link time: -X main.version=…
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		os.Stdout.WriteString(version + "\\n")
		return
	}
	os.Stderr.WriteString("This is a Signet test provider; terraform would start it as a plugin.\\n")
	os.Exit(1)
}
`;

/**
 * Cross-compiles the provider for every platform with \`CGO_ENABLED=0 go build -trimpath -ldflags "-s -w"\`, no
 * module downloads (GOPROXY=off, GOFLAGS=-mod=mod: the module has no requirements). Throws with go's output when a
 * build fails.
 */
export async function buildGoProviders(options: BuildGoProvidersOptions): Promise<GoProviders> {
  const name = options.name ?? 'hello';
  const version = options.version ?? '1.0.0';
  const platforms = options.platforms ?? GO_PLATFORMS;
  const concurrency = options.concurrency ?? 2;
  const source = await mkdtemp(join(tmpdir(), 'signet-go-src-'));
  try {
    await writeFile(join(source, 'go.mod'), `module example.com/terraform-provider-${name}\n\ngo 1.19\n`);
    await writeFile(join(source, 'main.go'), MAIN_GO);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      // The build cache is content-addressed and safe to share between runs; outside the checkout.
      GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'signet-go-build-cache'),
      GOPATH: join(source, '.gopath'),
      GOPROXY: 'off',
      GOFLAGS: '-mod=mod',
      GOTOOLCHAIN: 'local',
      GOTELEMETRY: 'off',
      CGO_ENABLED: '0',
    };
    const queue = [...platforms];
    const binaries: GoProviderBinary[] = [];
    const worker = async () => {
      for (let platform = queue.shift(); platform !== undefined; platform = queue.shift()) {
        const [goos, goarch] = platform.split('_') as [string, string];
        const dir = join(options.folder, platform);
        await mkdir(dir, { recursive: true });
        const path = join(dir, providerExecutableName(name, version, platform));
        try {
          await promisify(execFile)(
            'go',
            ['build', '-trimpath', '-ldflags', `-s -w -X main.version=${version}`, '-o', path, '.'],
            { cwd: source, env: { ...env, GOOS: goos, GOARCH: goarch, ...(goarch === 'arm' ? { GOARM: '7' } : {}) } },
          );
        } catch (error) {
          const e = error as { stderr?: string; message: string };
          throw new Error(`go build for ${platform} failed: ${e.stderr ?? e.message}`, { cause: error });
        }
        binaries.push({ platform, path, size: (await stat(path)).size });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, platforms.length) }, worker));
    binaries.sort((a, b) => (a.platform < b.platform ? -1 : 1));
    return { folder: options.folder, name, version, binaries };
  } finally {
    await rm(source, { recursive: true, force: true });
  }
}

const built = new Map<string, Promise<GoProviders>>();

/**
 * The providers for `name`/`version` on all 13 platforms, built once per test file (a vitest worker) into a
 * temporary folder. Callers must not change that folder: copy it first (`copyGoProviders`) to tamper with it.
 */
export function goProviders(name = 'hello', version = '1.0.0'): Promise<GoProviders> {
  const key = `${name}@${version}`;
  let pending = built.get(key);
  if (pending === undefined) {
    pending = (async () => {
      const folder = await mkdtemp(join(tmpdir(), `signet-go-${name}-${version}-`));
      process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
      return buildGoProviders({ folder, name, version });
    })();
    built.set(key, pending);
  }
  return pending;
}

/** Copies a provider folder to `folder` (for a test that changes its input). */
export async function copyGoProviders(providers: GoProviders, folder: string): Promise<GoProviders> {
  await cp(providers.folder, folder, { recursive: true });
  return {
    ...providers,
    folder,
    binaries: providers.binaries.map((b) => ({ ...b, path: join(folder, b.path.slice(providers.folder.length + 1)) })),
  };
}

/** The first bytes of a built binary (its executable header), to check what was built. */
export async function binaryHeader(path: string, bytes = 64): Promise<Buffer> {
  return (await readFile(path)).subarray(0, bytes);
}
