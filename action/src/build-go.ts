import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { formatExecutableName, parsePlatform, SignetError } from '@signet/core';

const run = promisify(execFile);

export interface GoBuildOptions {
  name: string;
  version: string;
  platforms: readonly string[];
  /** The module folder (working-directory). */
  dir: string;
  /** The package to build, relative to `dir`. */
  goPackage: string;
  /** Binaries go to `outDir/OS_ARCH/terraform-provider-NAME_vVERSION[.exe]`: the layout `packageRelease` reads. */
  outDir: string;
  onPlatform?: (platform: string, ms: number) => void;
}

/** `go version`, or a failure that says how to get Go (checked in preflight, before anything is built). */
export async function goVersion(): Promise<string> {
  try {
    return (await run('go', ['version'])).stdout.trim();
  } catch (error) {
    throw new SignetError(
      'GO_MISSING',
      `build: go needs Go, but \`go version\` failed (${(error as Error).message}); add actions/setup-go before this step, or use build: none with artifacts.`,
    );
  }
}

/**
 * Cross-compiles every platform with `go build`, static and reproducible (`CGO_ENABLED=0 -trimpath`, no build ID,
 * the version in `main.version`), as many at once as there are cores.
 */
export async function buildGo(options: GoBuildOptions): Promise<string> {
  await run('go', ['version'], { cwd: options.dir }).catch((error: unknown) => {
    throw new SignetError(
      'GO_MISSING',
      `Cannot run go (${(error as Error).message}); add actions/setup-go before this step, or use build: none with artifacts.`,
    );
  });
  const queue = [...options.platforms];
  const worker = async () => {
    for (let platform = queue.shift(); platform !== undefined; platform = queue.shift()) {
      const { os, arch } = parsePlatform(platform);
      const output = join(options.outDir, platform, formatExecutableName(options.name, options.version, os));
      await mkdir(join(options.outDir, platform), { recursive: true });
      const started = Date.now();
      const ldflags = `-s -w -buildid= -X main.version=${options.version}`;
      try {
        await run('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', output, options.goPackage], {
          cwd: options.dir,
          env: { ...process.env, CGO_ENABLED: '0', GOOS: os, GOARCH: arch, GOFLAGS: process.env.GOFLAGS ?? '' },
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new SignetError(
          'BUILD_FAILED',
          `go build for ${platform} failed:\n${stderr || (error as Error).message}`,
        );
      }
      options.onPlatform?.(platform, Date.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), queue.length) }, worker));
  return options.outDir;
}
