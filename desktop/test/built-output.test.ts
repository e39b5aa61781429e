// The built app, as `electron-vite build` writes it (into a scratch folder under out/, so a running app's own
// out/ is never rebuilt under it): the preload is one CommonJS file that requires only `electron` and exposes
// exactly the contract; the renderer's HTML carries design.md §5.4's CSP; main and the services host bundle the
// workspace packages and leave external only what the desktop's package.json ships; and the services host
// bundle runs (the local registry's SQLite-in-WebAssembly store included).
import { execFile, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_CSP } from '../src/main/app-protocol';
import { BASIC_TEXT_REASON } from '../src/services/secret-vault';
import { CHANNEL_NAMES, ipcChannelName } from '../src/shared/api';

const desktopDir = resolve(import.meta.dirname, '..');
const fixtures = join(import.meta.dirname, 'fixtures');
// A scratch project: <scratch>/out is the build, <scratch>/package.json and node_modules make it packageable.
let scratch: string;
let out: string;

beforeAll(async () => {
  await mkdir(join(desktopDir, 'out'), { recursive: true });
  scratch = await mkdtemp(join(desktopDir, 'out', '.built-output-test-'));
  out = join(scratch, 'out');
  await copyFile(join(desktopDir, 'package.json'), join(scratch, 'package.json'));
  await symlink(join(desktopDir, 'node_modules'), join(scratch, 'node_modules'));
  await promisify(execFile)('pnpm', ['exec', 'electron-vite', 'build'], {
    cwd: desktopDir,
    env: { ...process.env, SIGNET_DESKTOP_OUT_DIR: out },
    maxBuffer: 16 * 1024 * 1024,
  });
}, 240_000);

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** Every module specifier a bundle loads: require("x"), import … from "x", import("x"). */
function loadedModules(code: string): string[] {
  const found = new Set<string>();
  for (const pattern of [
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*import\s[^;]*?from\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*export\s[^;]*?from\s*["']([^"']+)["']/gm,
  ]) {
    for (const match of code.matchAll(pattern)) found.add(match[1] ?? '');
  }
  return [...found].sort();
}

function getJson(url: string, ca: Buffer): Promise<unknown> {
  return new Promise((settle, fail) => {
    httpsGet(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        try {
          settle(JSON.parse(body));
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
      });
    }).on('error', fail);
  });
}

describe('the preload bundle', () => {
  it('is one CommonJS file whose only require is electron', async () => {
    expect(await readdir(join(out, 'preload'))).toEqual(['index.cjs']);
    const code = await readFile(join(out, 'preload', 'index.cjs'), 'utf8');
    expect(loadedModules(code)).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('exposes exactly one function per channel under window.signet, each invoking signet:<channel>', async () => {
    const code = await readFile(join(out, 'preload', 'index.cjs'), 'utf8');
    const exposed = new Map<string, any>();
    const invoke = vi.fn((name: string, input: unknown) => Promise.resolve({ ok: true, value: { name, input } }));
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: { invoke },
    };
    const required: string[] = [];
    const module = { exports: {} };
    // A sandboxed preload's world: `require` gives electron and nothing else.
    runInNewContext(code, {
      module,
      exports: module.exports,
      require: (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electron;
      },
    });
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['signet']);
    const api = exposed.get('signet');
    expect(Object.keys(api).sort()).toEqual([...CHANNEL_NAMES].sort());
    for (const channel of CHANNEL_NAMES) {
      expect(typeof api[channel], channel).toBe('function');
      const input = { probe: channel };
      expect(await api[channel](input)).toEqual({ ok: true, value: { name: `signet:${channel}`, input } });
    }
    expect(invoke).toHaveBeenCalledTimes(CHANNEL_NAMES.length);
    expect(Object.isFrozen(api)).toBe(true);
  });
});

describe('the renderer bundle', () => {
  it('carries the CSP of design.md §5.4 and nothing inline that the CSP would block', async () => {
    const html = await readFile(join(out, 'renderer', 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
    expect(meta?.[1]).toBe(APP_CSP);
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      expect(script[1], 'every script is a same-origin file').toMatch(/\bsrc=["']\.?\/[^"':]+["']/);
      expect(script[2]?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});

describe('the main and services host bundles', () => {
  it('bundle the workspace packages and load only electron, Node built-ins and the desktop’s own dependencies', async () => {
    const packageJson = JSON.parse(await readFile(join(desktopDir, 'package.json'), 'utf8'));
    const shipped = Object.keys(packageJson.dependencies).filter((name) => !name.startsWith('@signet/'));
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const files = (await readdir(join(out, 'main'), { recursive: true })).filter((file) => file.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'services-host.js']));
    for (const file of files) {
      const modules = loadedModules(await readFile(join(out, 'main', file), 'utf8'));
      for (const name of modules) {
        // node:sqlite and other prefix-only built-ins are not in Node 20's builtinModules.
        if (name.startsWith('.') || name.startsWith('node:') || builtins.has(name) || name === 'electron') continue;
        const packageName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : (name.split('/')[0] ?? name);
        expect(shipped, `${file} loads ${name}`).toContain(packageName);
      }
      expect(
        modules.filter((name) => name.startsWith('@signet/')),
        file,
      ).toEqual([]);
    }
  });

  it('runs the services host: it answers calls, starts the local registry on its SQLite (WebAssembly) store, and stops', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'signet-built-host-'));
    // Electron's utilityProcess gives the host `process.parentPort`; Node's child-process IPC stands in for it.
    const shim = join(fixtures, 'parent-port-shim.mjs');
    const child = fork(shim, [join(out, 'main', 'services-host.js')], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((settle) => child.on('exit', (code) => settle(code)));
    const pending = new Map<number, (result: any) => void>();
    child.on('message', (message: any) => {
      if (message.kind === 'result') pending.get(message.id)?.(message.result);
      if (message.kind === 'vault' && message.operation === 'status') {
        const status = { backend: 'basic_text', available: false, reason: 'no keyring in this test' };
        child.send({ kind: 'vault-answer', id: message.id, ok: true, value: status });
      }
    });
    let nextId = 1;
    const call = (channel: string, input: unknown) =>
      new Promise<any>((settle) => {
        const id = nextId++;
        pending.set(id, settle);
        child.send({ kind: 'call', id, channel, input });
      });
    try {
      child.send({ kind: 'init', dataDir });
      expect(await call('appInfo', {})).toMatchObject({
        ok: true,
        value: { mode: 'electron', dataDir, secretStorage: { available: false, reason: 'no keyring in this test' } },
      });
      expect(await call('keysList', { unexpected: true })).toMatchObject({
        ok: false,
        error: { code: 'INPUT_INVALID' },
      });
      const started = await call('localStart', { port: 0 });
      expect(started, stderr).toMatchObject({ ok: true, value: { running: true } });
      expect(started.value.url).toMatch(/^https:\/\/localhost:\d+$/);
      // The registry answers over TLS with its local CA, from the bundle.
      const ca = await readFile(started.value.caFile);
      expect(await getJson(`${started.value.url}/.well-known/terraform.json`, ca)).toMatchObject({
        'providers.v1': expect.any(String),
      });
      expect(existsSync(join(started.value.dataDir, 'signet.db'))).toBe(true);
      expect(await call('localStop', {})).toMatchObject({ ok: true, value: { running: false } });
      child.send({ kind: 'stop' });
      expect(await exited).toBe(0);
    } finally {
      child.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the built main process', () => {
  // out/main/index.js as Electron would run it, with only `electron` replaced (test/fixtures/fake-electron.mjs):
  // the fake records what main registers, probes it as a page, a subframe or another window would, and
  // starts the real built services host when main forks it.
  let report: any;
  let appData: string;

  beforeAll(async () => {
    appData = await mkdtemp(join(tmpdir(), 'signet-built-main-'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', join(fixtures, 'register-fake-electron.mjs'), join(out, 'main', 'index.js')],
      { env: { ...process.env, FAKE_ELECTRON_APPDATA: appData }, timeout: 60_000 },
    );
    report = JSON.parse(stdout.trim().split('\n').pop() ?? 'null');
  }, 90_000);

  afterAll(async () => {
    await rm(appData, { recursive: true, force: true });
  });

  it('registers app:// as privileged before ready and sandboxes every renderer', () => {
    expect(report.privileged.beforeReady).toBe(true);
    expect(report.privileged.schemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    expect(report.sandboxAll).toBe(true);
    expect(report.userData).toBe(join(appData, 'Signet'));
  });

  it('opens one sandboxed, context-isolated window without Node, with web security, from app://signet', () => {
    expect(report.window.count).toBe(1);
    expect(report.window.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: join(out, 'preload', 'index.cjs'),
    });
    expect(report.window.loaded).toBe('app://signet/index.html');
  });

  it('denies window.open, navigation away, <webview> and every permission', () => {
    expect(report.window.windowOpen).toEqual({ action: 'deny' });
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      expect(report.navigation[`${event} https://example.com/`]).toBe(true);
      expect(report.navigation[`${event} file:///etc/passwd`]).toBe(true);
      expect(report.navigation[`${event} app://signet/index.html#keys`]).toBe(false);
    }
    expect(report.webviewPrevented).toBe(true);
    for (const answer of Object.values(report.permissions)) expect(answer).toEqual({ request: false, check: false });
  });

  it('serves out/renderer over app:// with the CSP header, and nothing above it', () => {
    expect(report.protocolAnswers['app://signet/']).toEqual({ status: 200, csp: APP_CSP });
    expect(report.protocolAnswers['app://signet/..%2f..%2fpackage.json'].status).not.toBe(200);
    expect(report.protocolAnswers['app://signet/%2e%2e/main/index.js'].status).not.toBe(200);
  });

  it('registers one handler per channel, and every one refuses a foreign sender without starting the services', () => {
    expect([...report.handlerNames].sort()).toEqual(CHANNEL_NAMES.map(ipcChannelName).sort());
    for (const name of report.handlerNames) {
      expect(report.foreign[name], name).toHaveLength(4);
      for (const answer of report.foreign[name]) {
        expect(answer, name).toEqual({
          ok: false,
          error: { code: 'INPUT_INVALID', message: expect.stringContaining('refused') },
        });
      }
    }
    expect(report.forksAfterForeign).toBe(0);
    expect(report.badInput).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(report.forksAfterBadInput).toBe(0);
  });

  it('forwards the window’s calls to the services host in a utilityProcess, which asks main’s safeStorage', () => {
    expect(report.forks).toEqual([
      {
        modulePath: join(out, 'main', 'services-host.js'),
        args: [],
        options: expect.objectContaining({ serviceName: 'Signet services' }),
      },
    ]);
    expect(report.appInfo).toEqual({
      ok: true,
      value: expect.objectContaining({
        mode: 'electron',
        dataDir: join(appData, 'Signet'),
        secretStorage: { backend: 'basic_text', available: false, reason: BASIC_TEXT_REASON },
      }),
    });
    expect(report.keysList).toEqual({ ok: true, value: [] });
  });
});

/** The header of an asar archive (a pickled JSON tree after two 32-bit sizes), and a file's bytes from it. */
function readAsar(archive: Buffer) {
  const headerSize = archive.readUInt32LE(4);
  const header = JSON.parse(archive.toString('utf8', 16, 16 + archive.readUInt32LE(12)));
  const entry = (path: string) =>
    path
      .split('/')
      .filter((name) => name !== '')
      .reduce((node: any, name) => node?.files?.[name], header);
  const read = (path: string) => {
    const found = entry(path);
    const start = 8 + headerSize + Number(found.offset);
    return archive.subarray(start, start + Number(found.size)).toString('utf8');
  };
  return { entry, read, names: (path: string) => Object.keys(entry(path)?.files ?? {}).sort() };
}

describe('electron-builder.yml', () => {
  it('packs out/ and the external packages into app.asar, node-sqlite3-wasm unpacked, nothing else', async () => {
    // Electron's dist cannot be downloaded here: an executable stands in for it, so what is checked is the
    // configuration and the file set, not Electron.
    const dist = await mkdtemp(join(tmpdir(), 'signet-electron-dist-'));
    await writeFile(join(dist, 'electron'), '#!/bin/sh\n');
    await chmod(join(dist, 'electron'), 0o755);
    const release = join(scratch, 'release');
    try {
      await promisify(execFile)(
        join(desktopDir, 'node_modules', '.bin', 'electron-builder'),
        [
          '--projectDir',
          scratch,
          '--config',
          join(desktopDir, 'electron-builder.yml'),
          '--publish',
          'never',
          `-c.electronDist=${dist}`,
          '-c.electronVersion=45.6.1',
          `-c.directories.output=${release}`,
          '--linux',
          'dir',
        ],
        { cwd: scratch, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
      );
      const unpacked = join(release, 'linux-unpacked');
      expect(existsSync(join(unpacked, 'signet'))).toBe(true);
      const asar = readAsar(await readFile(join(unpacked, 'resources', 'app.asar')));
      expect(asar.names('')).toEqual(['node_modules', 'out', 'package.json']);
      expect(asar.names('out')).toEqual(['main', 'preload', 'renderer']);
      expect(asar.names('out/preload')).toEqual(['index.cjs']);
      expect(asar.entry('out/renderer/index.html')).toBeDefined();
      expect(JSON.parse(asar.read('package.json'))).toMatchObject({
        name: 'signet-desktop',
        main: 'out/main/index.js',
      });
      const packages = asar.names('node_modules');
      for (const name of ['zod', 'hono', 'openpgp', 'node-sqlite3-wasm']) expect(packages).toContain(name);
      for (const name of ['@signet', 'electron', 'electron-vite', 'react', 'vite'])
        expect(packages).not.toContain(name);
      expect(asar.entry('node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm')?.unpacked).toBe(true);
      expect(
        existsSync(
          join(
            unpacked,
            'resources',
            'app.asar.unpacked',
            'node_modules',
            'node-sqlite3-wasm',
            'dist',
            'node-sqlite3-wasm.wasm',
          ),
        ),
      ).toBe(true);
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  }, 200_000);
});
