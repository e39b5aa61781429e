// Where the Electron binary is, found the way electron's own index.js finds it (path.txt → dist/…, or
// ELECTRON_OVERRIDE_DIST_PATH) but without running that file: since Electron 42 requiring it downloads the
// binary when it is missing, and there is no network for that here.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export const DESKTOP_DIR = resolve(import.meta.dirname, '..');

export type ElectronBinary =
  { found: true; executable: string; distDir: string; version: string } | { found: false; reason: string };

/** How to get the binary, for the one line that says it is missing. */
export const GET_ELECTRON_HINT =
  'get it with `pnpm --filter @signet/desktop exec install-electron` on a machine with network access';

/** Finds the Electron binary of the desktop's `electron` package, never downloading it. */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(join(DESKTOP_DIR, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { found: false, reason: 'the electron package is not installed (run pnpm install)' };
  }
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const pathFile = join(packageDir, 'path.txt');
  const relativeExecutable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override !== undefined && override !== '') {
    const executable = join(override, relativeExecutable ?? 'electron');
    if (existsSync(executable)) return { found: true, executable, distDir: override, version };
    return { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron executable (${executable})` };
  }
  if (relativeExecutable === null) {
    return {
      found: false,
      reason: `no Electron binary here (electron ${version}'s download never ran: node_modules/electron has no path.txt)`,
    };
  }
  const distDir = join(packageDir, 'dist');
  const executable = join(distDir, relativeExecutable);
  if (!existsSync(executable)) {
    return { found: false, reason: `no Electron binary here (${executable} is missing)` };
  }
  return { found: true, executable, distDir, version };
}
