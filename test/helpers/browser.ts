// The desktop app in browser mode, driven by real headless Chromium: `pnpm desktop:web --data DIR --port 0`
// spawned as a user runs it (its one URL line read from stdout), Chromium at /usr/bin/chromium through
// playwright-core, and a recorder of every /api/* response body and every line the server writes, for the
// suites that check no secret ever leaves the services.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, rm, rmdir, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { hasCommand } from './tools';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const RENDERER_DIR = join(REPO, 'desktop/out/renderer');
const RENDERER_SOURCES = [join(REPO, 'desktop/src/renderer'), join(REPO, 'desktop/src/shared')];

/** True when Chromium is installed where the suites expect it. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM) || hasCommand('chromium');
}

/** Says loudly once that a suite is skipped for want of Chromium (the title says it too). */
export function requireChromium(): boolean {
  const present = hasChromium();
  if (!present) {
    console.warn(`\n*** SKIPPED: ${CHROMIUM} is missing; the desktop's browser tests did not run. ***\n`);
  }
  return present;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * Builds the renderer (`pnpm desktop:build`) when desktop/out/renderer/index.html is missing or older than a
 * renderer source, so a suite never drives a stale UI. Suites in parallel workers take a lock folder in turn.
 */
export async function ensureRendererBuilt(): Promise<void> {
  const index = join(RENDERER_DIR, 'index.html');
  const fresh = () =>
    existsSync(index) && statSync(index).mtimeMs >= Math.max(...RENDERER_SOURCES.filter(existsSync).map(newestMtime));
  if (fresh()) return;
  const lock = join(tmpdir(), 'signet-desktop-build.lock');
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // Another worker builds; a lock older than 5 minutes is from a killed run.
      const info = await stat(lock).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > 300_000) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    if (fresh()) return;
    const run = spawnSync('pnpm', ['desktop:build'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    if (run.status !== 0 || !existsSync(index)) {
      throw new Error(`pnpm desktop:build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

/** One answer of the browser-mode HTTP API, as a raw client sees it. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface RawHttpOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One plain-HTTP request to 127.0.0.1:port with exactly the headers given (Host and Origin included). */
export function rawHttp(port: number, options: RawHttpOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
        setHost: options.headers?.host === undefined && options.headers?.Host === undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface StartBrowserModeOptions {
  dataDir: string;
  port?: number;
  env?: Record<string, string>;
}

/** A running `pnpm desktop:web`, as a user starts it. */
export interface BrowserModeApp {
  /** The one URL it printed: `http://127.0.0.1:PORT/?token=…`. */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  token: string;
  /** The pnpm process this helper started (its process group holds the whole tree). */
  process: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  logs(): string;
  /** The PID of the process that listens on the port: the services process itself, not a wrapper. */
  servicesPid(): number;
  /**
   * Calls a channel as the renderer does: POST /api/<channel> with the session the URL's token opens (the
   * cookie its page load sets, kept from the first call), Host and Origin the app's own.
   */
  api(channel: string, input?: unknown): Promise<any>;
  /** Records every answer of `api` (for the secrets check). */
  apiAnswers: string[];
  stop(): Promise<void>;
}

const URL_LINE = /(http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_\-.~%]+))/;

/**
 * Spawns `pnpm desktop:web --data DIR --port N` in its own process group and waits for its URL line. Stops the
 * whole group (by its id) in `stop()`.
 */
export async function startBrowserMode(options: StartBrowserModeOptions): Promise<BrowserModeApp> {
  await ensureRendererBuilt();
  const child = spawn(
    'pnpm',
    ['--silent', 'desktop:web', '--data', options.dataDir, '--port', String(options.port ?? 0)],
    {
      cwd: REPO,
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let logs = '';
  child.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pnpm desktop:web printed no URL in 90 s:\n${logs}`)), 90_000);
    const check = () => {
      const found = URL_LINE.exec(logs);
      if (found) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(found);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pnpm desktop:web exited with ${code}:\n${logs}`));
    });
  });
  const url = match[1]!;
  const port = Number(match[2]);
  const token = decodeURIComponent(match[3]!);
  const origin = `http://127.0.0.1:${port}`;
  let cookie: string | undefined;
  const apiAnswers: string[] = [];

  const openSession = async () => {
    const page = await rawHttp(port, {
      path: new URL(url).pathname + new URL(url).search,
      headers: { host: `127.0.0.1:${port}` },
    });
    const setCookie = page.headers['set-cookie'];
    const cookies = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((c) => c.split(';')[0]!);
    if (page.status !== 200 && page.status !== 302 && page.status !== 303) {
      throw new Error(`GET ${url} answered ${page.status}: ${page.text.slice(0, 300)}`);
    }
    cookie = cookies.join('; ');
  };

  return {
    url,
    origin,
    port,
    token,
    process: child,
    logs: () => logs,
    servicesPid: () => listeningPid(port, child.pid!),
    apiAnswers,
    async api(channel: string, input: unknown = {}) {
      if (cookie === undefined) await openSession();
      const answer = await rawHttp(port, {
        method: 'POST',
        path: `/api/${channel}`,
        headers: {
          host: `127.0.0.1:${port}`,
          origin,
          'content-type': 'application/json',
          ...(cookie ? { cookie } : {}),
        },
        body: JSON.stringify(input),
      });
      apiAnswers.push(answer.text);
      if (answer.json === undefined)
        throw new Error(`/api/${channel} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      return answer.json;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** The PIDs under `root` (itself included), from /proc. */
function descendants(root: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const result = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!result.has(pid) && result.has(ppid)) {
        result.add(pid);
        grew = true;
      }
    }
  }
  return result;
}

/** The process under `root` that owns the socket listening on 127.0.0.1:port (Linux /proc). */
export function listeningPid(port: number, root: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && fields[1]!.endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  for (const pid of descendants(root)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode !== undefined && inodes.has(inode)) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  throw new Error(`No process under ${root} listens on port ${port}.`);
}

/** VmHWM (peak RSS) and VmRSS of a process, in MiB. */
export function processMemory(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const read = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { peakMiB: read('VmHWM'), rssMiB: read('VmRSS') };
}

/** One recorded response of the page's /api/* traffic. */
export interface RecordedResponse {
  url: string;
  status: number;
  body: string;
}

/** A Chromium page on the app, with every /api/* response body recorded. */
export interface AppPage {
  context: BrowserContext;
  page: Page;
  responses: RecordedResponse[];
  /** Errors the page threw or logged (a failed CSP check shows here). */
  pageErrors: string[];
  /** Waits for the bodies of responses still being read. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the app's URL in a fresh context (1280×800) and records its /api/* responses. */
export async function openApp(browser: Browser, app: BrowserModeApp): Promise<AppPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: false });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const responses: RecordedResponse[] = [];
  const pending = new Set<Promise<void>>();
  const pageErrors: string[] = [];
  page.on('response', (response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/')) return;
    const read = response
      .text()
      .then((body) => void responses.push({ url: response.url(), status: response.status(), body }))
      .catch((error: unknown) => void pageErrors.push(`unreadable body of ${response.url()}: ${String(error)}`))
      .finally(() => pending.delete(read));
    pending.add(read);
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(app.url);
  return {
    context,
    page,
    responses,
    pageErrors,
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () => context.close(),
  };
}

/** Where each secret occurs in `texts` (named by `label(i)`), by the secret's name (never its value). */
export function findSecrets(
  texts: readonly string[],
  secrets: Record<string, string>,
  label: (index: number) => string,
): string[] {
  const found: string[] = [];
  texts.forEach((text, index) => {
    for (const [name, secret] of Object.entries(secrets)) {
      if (secret.length > 0 && text.includes(secret)) found.push(`${label(index)} contains ${name}`);
    }
  });
  return found;
}
