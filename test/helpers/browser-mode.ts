// The desktop app's browser mode as a user runs it: `pnpm desktop:web --data DIR --port 0` spawned in its own
// process group, its one URL line read from stdout, its logs kept, the services process found by the socket it
// listens on, and a raw HTTP client of its API (the session the URL's token opens). No browser here: the
// Chromium side is in browser.ts; the benchmark and the screenshot script use this too.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, rm, rmdir, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Channel, ChannelInput, ChannelResults, Result } from '../../desktop/src/shared/api';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const RENDERER_DIR = join(REPO, 'desktop/out/renderer');
const RENDERER_SOURCES = [join(REPO, 'desktop/src/renderer'), join(REPO, 'desktop/src/shared')];

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
   * cookie its page load sets, kept from the first call), Host and Origin the app's own. Every answer's text is
   * kept in `apiAnswers` (for the secrets check).
   */
  api<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelResults[C]>>;
  /** `api`, then the value, or an Error with the envelope's code and message. */
  call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelResults[C]>;
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

  async function api<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelResults[C]>> {
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
    if (answer.json === undefined) {
      throw new Error(`/api/${channel} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    }
    return answer.json as Result<ChannelResults[C]>;
  }

  return {
    url,
    origin,
    port,
    token,
    process: child,
    logs: () => logs,
    servicesPid: () => listeningPid(port, child.pid!),
    apiAnswers,
    api,
    async call(channel, input) {
      const result = await api(channel, input);
      if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
      return result.value;
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
