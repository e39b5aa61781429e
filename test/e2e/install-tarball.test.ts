// Acceptance of issue 9 item 1: the npm tarball `pnpm build:cli` makes is what an author installs. It is built here
// from the sources, installed with npm into an empty folder outside the repository (offline: everything it needs
// ships inside it), and its `signet` is run from another empty folder with no workspace, no tsx and no repository
// tool on the PATH, every path relative to that folder.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

import { createFakeExecutable } from '@signet/core/testing';
import { openSqliteMetadataStore } from '@signet/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import cliPackage from '../../packages/cli/package.json' with { type: 'json' };
import { CLI_SHEBANG, packCli } from '../../scripts/build-cli';

const run = promisify(execFile);
const PASSPHRASE = 'install test passphrase';
const PLATFORMS = ['linux_amd64', 'darwin_arm64', 'windows_amd64'] as const;

let work: string;
let tarball: string;
let prefix: string;
let project: string;
// What a fresh shell has: node on the PATH and nothing of this repository (no node_modules/.bin, no INIT_CWD).
let env: Record<string, string>;

beforeAll(async () => {
  work = await realpath(await mkdtemp(join(tmpdir(), 'signet-install-')));
  tarball = await packCli(join(work, 'pack'));
  prefix = join(work, 'prefix');
  project = join(work, 'project');
  await Promise.all([mkdir(prefix), mkdir(project)]);
  env = {
    PATH: [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: join(work, 'home'),
    CI: 'true',
    npm_config_cache: join(work, 'npm-cache'),
    npm_config_userconfig: '/dev/null',
    npm_config_update_notifier: 'false',
  };
  // --offline: an install that wanted to fetch anything would fail with ENOTCACHED instead.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], {
    cwd: project,
    env,
  });
}, 180_000);
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Runs the installed `signet` as a shell would: through npm's bin link and the bundle's shebang. */
async function signet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(prefix, 'node_modules/.bin/signet'), args, {
      cwd: project,
      env: { ...env, SIGNET_GPG_PASSPHRASE: PASSPHRASE },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every file under a folder, as sorted paths relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('the packed @signet/cli tarball, installed outside the repository', () => {
  it('installs the bundle and its SQLite WebAssembly module, and nothing else (no tsx, no workspace packages)', async () => {
    expect(tarball).toBe(join(work, 'pack', `signet-cli-${cliPackage.version}.tgz`));
    const installed = join(prefix, 'node_modules');
    expect(await listFiles(installed)).toEqual(
      [
        '.package-lock.json',
        '@signet/cli/README.md',
        '@signet/cli/node_modules/node-sqlite3-wasm/LICENSE',
        '@signet/cli/node_modules/node-sqlite3-wasm/README.md',
        '@signet/cli/node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.js',
        '@signet/cli/node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm',
        '@signet/cli/node_modules/node-sqlite3-wasm/node-sqlite3-wasm.d.ts',
        '@signet/cli/node_modules/node-sqlite3-wasm/package.json',
        '@signet/cli/package.json',
        '@signet/cli/signet.mjs',
        '.bin/signet',
      ].sort(),
    );
    expect(await realpath(join(installed, '.bin/signet'))).toBe(join(installed, '@signet/cli/signet.mjs'));
    const bundle = await readFile(join(installed, '@signet/cli/signet.mjs'), 'utf8');
    expect(bundle.split('\n', 1)[0]).toBe(CLI_SHEBANG);
    expect(bundle).not.toMatch(/from ["']@signet\//);

    const manifest = JSON.parse(await readFile(join(installed, '@signet/cli/package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: '@signet/cli',
      version: cliPackage.version,
      license: cliPackage.license,
      bin: { signet: 'signet.mjs' },
      engines: { node: '>=20.19' },
      bundleDependencies: ['node-sqlite3-wasm'],
    });
    expect(manifest.private).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(Object.keys(manifest.dependencies)).toEqual(['node-sqlite3-wasm']);
  });

  it('runs version, keys generate, release -c signet.yaml and validate with paths relative to the folder', async () => {
    const version = await signet('--version');
    expect(version).toEqual({ code: 0, stdout: `${cliPackage.version}\n`, stderr: '' });

    const keys = await signet(
      'keys',
      'generate',
      '--algorithm',
      'ed25519',
      '--name',
      'Install Test',
      '--email',
      'install@example.com',
      '--out',
      'keys',
    );
    expect(keys.stderr).toBe('');
    expect(keys.code).toBe(0);
    expect((await stat(join(project, 'keys/private.asc'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(project, 'keys/public.asc'))).isFile()).toBe(true);

    const files: string[] = [];
    for (const [index, platform] of PLATFORMS.entries()) {
      const file = `bin/${platform}/hello_v1.0.0${platform.startsWith('windows') ? '.exe' : ''}`;
      await mkdir(join(project, 'bin', platform), { recursive: true });
      await writeFile(join(project, file), createFakeExecutable(platform, 4096, index), { mode: 0o755 });
      files.push(file);
    }
    await writeFile(
      join(project, 'signet.yaml'),
      [
        'provider:',
        '  name: hello',
        '  version: 1.0.0',
        '  gpg_key: keys/private.asc',
        '  protocols: ["6.0"]',
        '  files:',
        ...files.map((file) => `    - ${file}`),
        '',
      ].join('\n'),
    );

    const release = await signet('release', '-c', 'signet.yaml');
    expect(release.stderr).toBe('');
    expect(release.code).toBe(0);
    expect(await listFiles(join(project, 'dist'))).toEqual([
      'terraform-provider-hello_1.0.0_SHA256SUMS',
      'terraform-provider-hello_1.0.0_SHA256SUMS.sig',
      'terraform-provider-hello_1.0.0_darwin_arm64.zip',
      'terraform-provider-hello_1.0.0_linux_amd64.zip',
      'terraform-provider-hello_1.0.0_manifest.json',
      'terraform-provider-hello_1.0.0_windows_amd64.zip',
    ]);

    const validate = await signet('validate', 'dist/', '--key', 'keys/public.asc', '--json');
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('opens an embedded SQLite store with the WebAssembly module it ships (mirror export of a registry folder)', async () => {
    // An empty registry as `signet serve` leaves it, written by the workspace's own store code.
    await mkdir(join(project, 'registry'));
    await (await openSqliteMetadataStore({ path: join(project, 'registry/signet.db') })).close();
    const exported = await signet('mirror', 'export', '--data', 'registry', '--out', 'mirror', '--json');
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ ok: true, outDir: join(project, 'mirror'), providers: 0 });
  });
});
