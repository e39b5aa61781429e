// Bundles the action into one file, dist/index.js, that the runner starts with `node` (Node 20 and 24). The
// registry server is not in it: the action reaches the registry through @signet/client only.
//   pnpm --filter @signet/action build            writes action/dist/index.js
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const ACTION_DIR = dirname(fileURLToPath(import.meta.url));
export const DIST_FILE = join(ACTION_DIR, 'dist/index.js');

/** Builds the bundle's text; fails if any server code found its way in. */
export async function bundleAction(): Promise<string> {
  const result = await build({
    absWorkingDir: join(ACTION_DIR, '..'),
    entryPoints: ['action/src/index.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    legalComments: 'none',
    metafile: true,
    banner: {
      js: "import { createRequire as __signetCreateRequire } from 'node:module';\nconst require = __signetCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const server = Object.keys(result.metafile.inputs).filter(
    (input) => input.startsWith('packages/registry/') || input.includes('node-sqlite3-wasm'),
  );
  if (server.length > 0) throw new Error(`The action bundle must not contain server code, found ${server.join(', ')}.`);
  return result.outputFiles[0]!.text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const code = await bundleAction();
  await mkdir(dirname(DIST_FILE), { recursive: true });
  await writeFile(DIST_FILE, code);
  console.log(`wrote ${DIST_FILE} (${(code.length / 1024).toFixed(0)} KiB)`);
}
