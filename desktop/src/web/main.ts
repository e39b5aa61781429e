// `pnpm desktop:web [--data DIR] [--port N]`: the desktop app in a browser. Prints one line, the URL with its
// session token, and serves until Ctrl-C (SIGINT) or SIGTERM. Listens on 127.0.0.1 only: there is no --host.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { defaultDataDir } from './data-dir';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const USAGE = 'Usage: pnpm desktop:web [--data DIR] [--port N]  (serves on 127.0.0.1 only)';

function fail(message: string, code: number): never {
  process.stderr.write(`desktop:web: ${message}\n`);
  process.exit(code);
}

function parseOptions(argv: string[]): { dataDir: string; port: number } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      options: {
        data: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.host !== undefined) {
    fail(
      `--host is refused: browser mode listens on 127.0.0.1 only (reach it from elsewhere through an SSH tunnel: ssh -L PORT:127.0.0.1:PORT).`,
      2,
    );
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535)
    fail(`--port ${JSON.stringify(values.port)} is not a port (0–65535).`, 2);
  return { dataDir: values.data === undefined ? defaultDataDir() : resolve(values.data), port };
}

async function ensureRenderer(hasBuiltRenderer: (dir: string) => Promise<boolean>): Promise<void> {
  if (await hasBuiltRenderer(RENDERER_DIR)) return;
  process.stderr.write('desktop:web: the renderer is not built yet; running pnpm desktop:build…\n');
  const built = spawnSync('pnpm', ['desktop:build'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0 || !(await hasBuiltRenderer(RENDERER_DIR))) {
    fail(`no built renderer in ${RENDERER_DIR}; run \`pnpm desktop:build\` and start again.`, 1);
  }
}

async function main(): Promise<void> {
  const { dataDir, port } = parseOptions(process.argv.slice(2));
  // Loaded after the flags are checked: a usage error answers at once, without loading the services.
  const { hasBuiltRenderer, startBrowserMode } = await import('./browser-mode');
  await ensureRenderer(hasBuiltRenderer);
  let app;
  try {
    app = await startBrowserMode({
      dataDir,
      port,
      rendererDir: RENDERER_DIR,
      log: (level, message) => process.stderr.write(`desktop:web ${level}: ${message}\n`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      fail(`port ${port} is in use; choose another with --port N, or --port 0 for any free one.`, 2);
    throw error;
  }
  process.stdout.write(`${app.url}\n`);
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`did not stop cleanly: ${(error as Error).message}`, 1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error), 1));
