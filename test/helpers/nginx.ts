import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Debian's nginx; the e2e suites that need it skip (loudly) without it. */
export const NGINX = '/usr/sbin/nginx';

/** True when Debian's nginx is installed; says so loudly otherwise, like `requireTool`. */
export function requireNginx(): boolean {
  const present = existsSync(NGINX);
  if (!present) console.warn(`\n*** SKIPPED: ${NGINX} is missing; the tests that need a real nginx did not run. ***\n`);
  return present;
}

/** A real nginx serving one `server` block on 127.0.0.1. */
export interface NginxServer {
  port: number;
  /** What nginx wrote to its error log so far. */
  errorLog(): Promise<string>;
  /** Graceful stop (SIGQUIT), waiting for the master to exit. */
  stop(): Promise<void>;
}

export interface StartNginxOptions {
  /** nginx's prefix: its config, pid, logs and temp folders go here. */
  dir: string;
  /** The `server` block, given the `listen` address it must use (`127.0.0.1:PORT`). */
  server: (listen: string) => string;
}

/**
 * Starts `nginx -p DIR -c DIR/nginx.conf` in the foreground (`daemon off`) with everything it writes under `dir`
 * (pid, error and access logs, temp folders), on a free port of 127.0.0.1, and waits until it accepts connections.
 * Run as root, its workers run as root too (the test's temporary folders are 0700).
 */
export async function startNginx(options: StartNginxOptions): Promise<NginxServer> {
  await mkdir(join(options.dir, 'temp'), { recursive: true });
  let lastError: unknown;
  // The free port is found by binding port 0 and closing it: another process may take it first, so try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await findFreePort();
    try {
      return await startOnPort(options, port);
    } catch (error) {
      lastError = error;
      if (!String(error).includes('Address already in use')) throw error;
    }
  }
  throw lastError;
}

async function startOnPort(options: StartNginxOptions, port: number): Promise<NginxServer> {
  const { dir } = options;
  const errorLogPath = join(dir, 'error.log');
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, formatNginxMainConfig(dir, options.server(`127.0.0.1:${port}`)));
  const child: ChildProcess = spawn(NGINX, ['-p', `${dir}/`, '-c', configPath, '-e', errorLogPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const errorLog = () => readFile(errorLogPath, 'utf8').catch(() => '');
  const ready = await waitForPort(port, 10_000, () => child.exitCode !== null || child.signalCode !== null);
  if (!ready || child.exitCode !== null) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${output}${await errorLog()}`);
  }
  return {
    port,
    errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}

/** The main nginx.conf around one server block: foreground, one worker, every path under `dir`. */
export function formatNginxMainConfig(dir: string, server: string): string {
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  const indented = server.replace(/^(?=.)/gm, '    ');
  return `${user}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
    worker_connections 256;
}
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/temp/body;
    proxy_temp_path ${dir}/temp/proxy;
    fastcgi_temp_path ${dir}/temp/fastcgi;
    uwsgi_temp_path ${dir}/temp/uwsgi;
    scgi_temp_path ${dir}/temp/scgi;
${indented}}
`;
}

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True once something accepts connections on the port; false when `gone()` says the server exited first. */
async function waitForPort(port: number, timeoutMs: number, gone: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) return false;
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return !gone();
    if (Date.now() > deadline) throw new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
