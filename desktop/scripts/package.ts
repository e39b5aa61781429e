// `pnpm desktop:package`: the installers of electron-builder.yml (AppImage + deb, dmg, nsis) for this
// platform, from the local Electron dist. Without an Electron binary there is nothing to package: it prints
// `SKIPPED packaging: <reason>` and exits 3, never a success it did not earn.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed';
import { DESKTOP_DIR, GET_ELECTRON_HINT, findElectronBinary } from './electron-binary';

const PLATFORM_FLAGS: Partial<Record<NodeJS.Platform, string>> = { linux: '--linux', darwin: '--mac', win32: '--win' };

const binary = findElectronBinary();
if (!binary.found) {
  console.error(`SKIPPED packaging: ${binary.reason}; ${GET_ELECTRON_HINT}, then run \`pnpm desktop:package\` again.`);
  process.exit(3);
}
const platformFlag = PLATFORM_FLAGS[process.platform];
if (platformFlag === undefined) {
  console.error(`SKIPPED packaging: electron-builder has no installer target for ${process.platform}.`);
  process.exit(3);
}

// electron-builder packs out/ (electron-builder.yml's files), so the build goes there.
const built = buildIfNeeded(join(DESKTOP_DIR, 'out'));
if (built !== 0) process.exit(built);

const args = process.argv.slice(2);
const packaged = spawnSync(
  join(DESKTOP_DIR, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder'),
  [
    '--config',
    'electron-builder.yml',
    '--publish',
    'never',
    `-c.electronDist=${binary.distDir}`,
    `-c.electronVersion=${binary.version}`,
    ...(args.length > 0 ? args : [platformFlag]),
  ],
  { cwd: DESKTOP_DIR, stdio: 'inherit' },
);
process.exit(packaged.status ?? 1);
