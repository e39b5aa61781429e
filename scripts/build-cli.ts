// `pnpm build:cli`: bundles the `signet` CLI (server included) into one file for deployment,
// packages/cli/dist/signet.mjs, run directly by Node without tsx. The shebang keeps V8's young generation small
// (`--max-semi-space-size=1`): a streamed upload makes a lot of short-lived 64 KiB chunks, and a 1 MiB nursery frees
// them at once instead of letting up to 48 MiB of them pile up, at no measurable cost in throughput.
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE = join(ROOT, 'packages/cli/dist/signet.mjs');
/** The Node flags the bundle runs with (its shebang); spawn it with these when calling `node` directly. */
export const CLI_NODE_FLAGS = ['--max-semi-space-size=1'];

export async function buildCli(outfile = CLI_BUNDLE): Promise<string> {
  await build({
    entryPoints: [join(ROOT, 'packages/cli/src/bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    // node-sqlite3-wasm finds its .wasm beside its own file: keep it a runtime dependency.
    external: ['node-sqlite3-wasm'],
    banner: {
      js: [
        "import { createRequire as __signetCreateRequire } from 'node:module';",
        'const require = __signetCreateRequire(import.meta.url);',
      ].join('\n'),
    },
    logLevel: 'warning',
  });
  // esbuild keeps bin.ts's hashbang (`node --import tsx`, for running the sources); the bundle needs plain node.
  const code = await readFile(outfile, 'utf8');
  await writeFile(outfile, code.replace(/^#![^\n]*\n/, `#!/usr/bin/env -S node ${CLI_NODE_FLAGS.join(' ')}\n`));
  await chmod(outfile, 0o755);
  // ...and ships beside the bundle, so the dist folder is self-contained.
  const sqlite = dirname(
    createRequire(join(ROOT, 'packages/registry/package.json')).resolve('node-sqlite3-wasm/package.json'),
  );
  await cp(sqlite, join(dirname(outfile), 'node_modules/node-sqlite3-wasm'), { recursive: true, dereference: true });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${await buildCli()}`);
}
