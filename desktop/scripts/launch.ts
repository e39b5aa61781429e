// `pnpm desktop`: launches the app in Electron when a binary is here (building first if src/ changed);
// otherwise says in one line why it cannot and how to use browser mode instead, and exits 3.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildIfNeeded, resolveOutDir } from './build-if-needed';
import { DESKTOP_DIR, GET_ELECTRON_HINT, findElectronBinary } from './electron-binary';

const binary = findElectronBinary();
if (!binary.found) {
  console.error(
    `Cannot launch the Signet desktop app: ${binary.reason}; ${GET_ELECTRON_HINT}, or run \`pnpm desktop:web\` to use the app in a browser instead.`,
  );
  process.exit(3);
}

const outDir = resolveOutDir();
const status = buildIfNeeded(outDir);
if (status !== 0) process.exit(status);

// The desktop folder (its package.json names out/main/index.js), or the main file of another build folder.
const app = outDir === join(DESKTOP_DIR, 'out') ? DESKTOP_DIR : join(outDir, 'main', 'index.js');

const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(binary.executable, [app, ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
