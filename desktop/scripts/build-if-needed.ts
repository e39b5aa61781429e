// Runs `electron-vite build` when out/ is missing or older than a source file, so `pnpm desktop` and
// `pnpm desktop:package` always run what is in src/. SIGNET_DESKTOP_OUT_DIR (also read by
// electron.vite.config.ts) builds into and runs from another folder under desktop/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DESKTOP_DIR } from './electron-binary';

const OUTPUTS = ['main/index.js', 'main/services-host.js', 'preload/index.cjs', 'renderer/index.html'];

/** Where the build goes: out/, or SIGNET_DESKTOP_OUT_DIR. */
export function resolveOutDir(env: NodeJS.ProcessEnv = process.env, desktopDir = DESKTOP_DIR): string {
  const override = env.SIGNET_DESKTOP_OUT_DIR;
  return override !== undefined && override !== '' ? resolve(override) : join(desktopDir, 'out');
}

function newestSourceTime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** True when every output in `outDir` exists and is newer than every file under src/ and the build config. */
export function isBuildFresh(outDir: string, desktopDir = DESKTOP_DIR): boolean {
  const outputs = OUTPUTS.map((output) => join(outDir, output));
  if (!outputs.every((output) => existsSync(output))) return false;
  const oldestOutput = Math.min(...outputs.map((output) => statSync(output).mtimeMs));
  const sources = Math.max(
    newestSourceTime(join(desktopDir, 'src')),
    statSync(join(desktopDir, 'electron.vite.config.ts')).mtimeMs,
  );
  return sources <= oldestOutput;
}

/** Builds into `outDir` unless fresh; returns the build's exit status (0 when nothing had to be done). */
export function buildIfNeeded(outDir: string, desktopDir = DESKTOP_DIR): number {
  if (isBuildFresh(outDir, desktopDir)) return 0;
  const built = spawnSync('pnpm', ['exec', 'electron-vite', 'build'], {
    cwd: desktopDir,
    stdio: 'inherit',
    env: { ...process.env, SIGNET_DESKTOP_OUT_DIR: outDir },
  });
  return built.status ?? 1;
}
