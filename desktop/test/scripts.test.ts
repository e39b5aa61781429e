// `pnpm desktop` and `pnpm desktop:package` where there is no Electron binary: one line saying why, exit 3,
// never a fake success. And `pnpm desktop` where there is one: it builds if needed and runs it on the app.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBuildFresh } from '../scripts/build-if-needed';
import { findElectronBinary } from '../scripts/electron-binary';

const desktopDir = resolve(import.meta.dirname, '..');
const tsx = resolve(desktopDir, '..', 'node_modules', '.bin', 'tsx');
let empty: string;

beforeAll(async () => {
  empty = await mkdtemp(join(tmpdir(), 'signet-no-electron-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

function run(script: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((settle) => {
    execFile(tsx, [join(desktopDir, 'scripts', script)], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      settle({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

// Without ELECTRON_OVERRIDE_DIST_PATH, electron's own package decides: run those cases only where it has no
// binary (here), and always the ones with an override to an empty folder.
const noBinaryHere = !findElectronBinary({}).found;
const missingCases: [string, NodeJS.ProcessEnv][] = [
  ['an override folder without an executable', { ELECTRON_OVERRIDE_DIST_PATH: '' }],
  ...(noBinaryHere ? [['no download of the electron package', {}] as [string, NodeJS.ProcessEnv]] : []),
];

describe.each(missingCases)('with %s', (_name, env) => {
  const withEnv = () => ({
    ...env,
    ...(env.ELECTRON_OVERRIDE_DIST_PATH === '' ? { ELECTRON_OVERRIDE_DIST_PATH: empty } : {}),
  });

  it('pnpm desktop says in one line why it cannot launch and how to use browser mode, and exits 3', async () => {
    const result = await run('launch.ts', withEnv());
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^Cannot launch the Signet desktop app: .*Electron.*`pnpm desktop:web`/);
  });

  it('pnpm desktop:package prints SKIPPED packaging: <reason> and exits 3', async () => {
    const result = await run('package.ts', withEnv());
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^SKIPPED packaging: .*Electron/);
  });
});

describe('with an Electron binary', () => {
  it('pnpm desktop builds if needed, runs it on the built app with the given arguments and exits with its code', async () => {
    // An executable in Electron's place that records how it was started; the build goes to a scratch folder
    // (under desktop/, so its bundles find node_modules), never under a running app's out/.
    const dist = await mkdtemp(join(tmpdir(), 'signet-electron-dist-'));
    await mkdir(join(desktopDir, 'out'), { recursive: true });
    const outDir = await mkdtemp(join(desktopDir, 'out', '.launch-test-'));
    const record = join(dist, 'started-with');
    await writeFile(join(dist, 'electron'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nexit 7\n`);
    await chmod(join(dist, 'electron'), 0o755);
    try {
      const result = await new Promise<{ code: number | null }>((settle) => {
        execFile(
          tsx,
          [join(desktopDir, 'scripts', 'launch.ts'), '--inspect-later'],
          {
            env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dist, SIGNET_DESKTOP_OUT_DIR: outDir },
            timeout: 240_000,
          },
          (error) => settle({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null }),
        );
      });
      expect(result.code).toBe(7);
      expect(lines(await readFile(record, 'utf8'))).toEqual([join(outDir, 'main', 'index.js'), '--inspect-later']);
      expect(isBuildFresh(outDir)).toBe(true);
    } finally {
      await rm(dist, { recursive: true, force: true });
      await rm(outDir, { recursive: true, force: true });
    }
  }, 240_000);
});
