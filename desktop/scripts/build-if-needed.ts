// Runs `electron-vite build` when out/ is missing or older than a source file, so `pnpm desktop` and
// `pnpm desktop:package` always run what is in src/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP_DIR } from './electron-binary';

const OUTPUTS = ['out/main/index.js', 'out/main/services-host.js', 'out/preload/index.cjs', 'out/renderer/index.html'];

function newestSourceTime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** True when every output exists and is newer than every file under src/ and the build config. */
export function isBuildFresh(desktopDir = DESKTOP_DIR): boolean {
  const outputs = OUTPUTS.map((output) => join(desktopDir, output));
  if (!outputs.every((output) => existsSync(output))) return false;
  const oldestOutput = Math.min(...outputs.map((output) => statSync(output).mtimeMs));
  const sources = Math.max(
    newestSourceTime(join(desktopDir, 'src')),
    statSync(join(desktopDir, 'electron.vite.config.ts')).mtimeMs,
  );
  return sources <= oldestOutput;
}

/** Builds unless fresh; returns the build's exit status (0 when nothing had to be done). */
export function buildIfNeeded(desktopDir = DESKTOP_DIR): number {
  if (isBuildFresh(desktopDir)) return 0;
  const built = spawnSync('pnpm', ['exec', 'electron-vite', 'build'], { cwd: desktopDir, stdio: 'inherit' });
  return built.status ?? 1;
}
