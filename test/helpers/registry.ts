import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import { BIN, TSX_LOADER } from './cli';

/** A real `signet serve` child process, as a user starts it. */
export interface SignetServer {
  /** `https://localhost:PORT` */
  url: string;
  port: number;
  /** The provider source host terraform uses: `localhost:PORT`. */
  host: string;
  caFile: string;
  /** The admin token printed on first start, or the SIGNET_ADMIN_TOKEN given. */
  adminToken: string;
  process: ChildProcess;
  /** Everything the server wrote to stderr so far (its error log). */
  stderr(): string;
  /** SIGTERM, and waits for the clean shutdown. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown at all, as a crash or an OOM kill. */
  kill(): Promise<void>;
}

export interface StartSignetServeOptions {
  dataDir: string;
  /** Fixed port (for restarts on the same port); a free one when absent. */
  port?: number;
  adminToken?: string;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Node flags, e.g. the deployed bundle's `CLI_NODE_FLAGS` (scripts/build-cli.ts) for memory measurements. */
  nodeArgs?: string[];
}

/**
 * Spawns `signet serve --data DIR --port 0 --json` and waits for its one JSON line. The server listens on
 * 127.0.0.1 only; the test must stop it (`stop()` in afterAll), and it dies with the test process anyway.
 */
export async function startSignetServe(options: StartSignetServeOptions): Promise<SignetServer> {
  const args = [
    'serve',
    '--data',
    options.dataDir,
    '--port',
    String(options.port ?? 0),
    '--host',
    '127.0.0.1',
    '--json',
  ];
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', TSX_LOADER, BIN, ...args, ...(options.extraArgs ?? [])],
    {
      env: {
        ...process.env,
        CI: 'true',
        ...(options.adminToken ? { SIGNET_ADMIN_TOKEN: options.adminToken } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`signet serve did not start in 60 s:\n${stderr}`)), 60_000);
    lines.once('line', (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`signet serve exited with ${code}:\n${stderr}`));
    });
  });
  const info = JSON.parse(line) as { url: string; port: number; caFile: string; adminToken?: string };
  const adminToken = options.adminToken ?? info.adminToken;
  if (adminToken === undefined) throw new Error('signet serve printed no admin token and none was given.');
  return {
    url: info.url,
    port: info.port,
    host: new URL(info.url).host,
    caFile: info.caFile,
    adminToken,
    process: child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
