// `pnpm build:cli`: bundles the `signet` CLI (server included) into one file for deployment,
// packages/cli/dist/signet.mjs, run directly by Node without tsx, and packs that folder into the npm tarball
// packages/cli/dist/signet-cli-VERSION.tgz (`npm install -g` / `npx` it; `npm publish` it as it is).
// The server runs best with V8's young generation kept small (`--max-semi-space-size=1`, CLI_NODE_FLAGS): a
// streamed upload makes a lot of short-lived 64 KiB chunks, and a 1 MiB nursery frees them at once instead of
// letting up to 48 MiB of them pile up, at no measurable cost in throughput. The flag is given where the server is
// started (`NODE_OPTIONS`, or `node FLAGS signet.mjs serve`), not in the shebang: `#!/usr/bin/env -S node FLAGS`
// needs GNU or BSD env, and BusyBox's (Alpine images, common in CI) refuses `-S`, so no command would run there.
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI_PACKAGE = join(ROOT, 'packages/cli');
export const CLI_DIST = join(CLI_PACKAGE, 'dist');
export const CLI_BUNDLE = join(CLI_DIST, 'signet.mjs');
/** The Node flags the server runs with as deployed: spawn the bundle with these (`node FLAGS signet.mjs serve`). */
export const CLI_NODE_FLAGS = ['--max-semi-space-size=1'];
/** The bundle's first line: portable to every `env` (GNU, BSD, BusyBox) and to npm's Windows shims. */
export const CLI_SHEBANG = '#!/usr/bin/env node';
// node-sqlite3-wasm finds its .wasm beside its own file, so it is not bundled: it ships inside the package
// (bundleDependencies), which keeps `npm install` of the tarball offline and the versions exactly those tested.
const SQLITE = 'node-sqlite3-wasm';

/** Writes the bundle to `outfile`, with node-sqlite3-wasm (and its .wasm) in `node_modules/` beside it. */
export async function buildCli(outfile = CLI_BUNDLE): Promise<string> {
  await build({
    entryPoints: [join(CLI_PACKAGE, 'src/bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: [SQLITE],
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
  await writeFile(outfile, code.replace(/^#![^\n]*\n/, `${CLI_SHEBANG}\n`));
  await chmod(outfile, 0o755);
  await cp(sqliteFolder(), join(dirname(outfile), 'node_modules', SQLITE), { recursive: true, dereference: true });
  return outfile;
}

/**
 * Builds packages/cli/dist/ from nothing as a publishable package (the bundle, its generated package.json, the
 * README) and packs it with `npm pack`. Returns the tarball's path.
 */
export async function packCli(dist = CLI_DIST): Promise<string> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await buildCli(join(dist, 'signet.mjs'));
  await writeFile(join(dist, 'package.json'), `${JSON.stringify(await publishedManifest(), null, 2)}\n`);
  await cp(join(CLI_PACKAGE, 'README.md'), join(dist, 'README.md'));
  const { stdout } = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', dist], {
    cwd: dist,
    // npm reads no project or user config that could point it at a registry: packing needs none.
    env: { ...process.env, npm_config_userconfig: '/dev/null', npm_config_update_notifier: 'false' },
  });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (!packed) throw new Error(`npm pack printed no tarball: ${stdout}`);
  return join(dist, packed.filename);
}

/**
 * The package.json that is published: the workspace manifest's identity (name, version, licence, engines) with the
 * bundle as its only code. The workspace one keeps `bin` on the sources and its workspace dependencies for
 * development, and stays private so it is never published by mistake.
 */
async function publishedManifest(): Promise<Record<string, unknown>> {
  const workspace = JSON.parse(await readFile(join(CLI_PACKAGE, 'package.json'), 'utf8')) as Record<string, unknown>;
  const sqlite = JSON.parse(await readFile(join(sqliteFolder(), 'package.json'), 'utf8')) as { version: string };
  const { name, version, description, license, engines, keywords, repository, homepage } = workspace;
  return {
    name,
    version,
    description,
    license,
    type: 'module',
    bin: { signet: 'signet.mjs' },
    files: ['signet.mjs'],
    engines,
    dependencies: { [SQLITE]: sqlite.version },
    bundleDependencies: [SQLITE],
    ...(keywords === undefined ? {} : { keywords }),
    ...(repository === undefined ? {} : { repository }),
    ...(homepage === undefined ? {} : { homepage }),
  };
}

function sqliteFolder(): string {
  return dirname(createRequire(join(ROOT, 'packages/registry/package.json')).resolve(`${SQLITE}/package.json`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tarball = await packCli();
  console.log(`wrote ${CLI_BUNDLE}\nwrote ${tarball}`);
}
