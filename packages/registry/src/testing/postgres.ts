// A real PostgreSQL server for tests: `initdb` + `pg_ctl` in a temporary folder, on a free port of 127.0.0.1, run
// as the `postgres` user when this process is root (PostgreSQL refuses to run as root). fsync is off: the data is
// thrown away, and crash tests stop the server with `pg_ctl -m immediate`, which loses nothing already committed
// to the OS. Imported through `@signet/registry/testing`; never by production code.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running test server; `stop` removes everything, `stopServer`/`startServer` keep the data (fault tests). */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication, no password). */
  url: string;
  host: string;
  port: number;
  /** The folder holding `data/`, `socket/` and `postgres.log`. */
  dir: string;
  /** Creates a fresh, empty database and returns its URL (a generated name unless `name` is given). */
  createDatabase(name?: string): Promise<string>;
  /** The URL of database `name` on this server (which need not exist yet). */
  databaseUrl(name: string): string;
  /** Stops the server and keeps its data (`mode`: `fast` closes sessions cleanly, `immediate` is a crash). */
  stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts a server stopped by `stopServer` again, on the same port. */
  startServer(): Promise<void>;
  /** `stopServer` then `startServer`. */
  restart(): Promise<void>;
  /** Stops the server (if running) and deletes its folder. Idempotent. */
  stop(): Promise<void>;
  /** The server's log so far (for failing tests' messages). */
  readLog(): Promise<string>;
}

export interface StartPostgresOptions {
  /** Extra `postgresql.conf` settings, e.g. `{ max_connections: '50' }`. */
  settings?: Record<string, string>;
}

/** Why a PostgreSQL server cannot be started here (no `initdb`/`pg_ctl` found), or undefined when it can. */
export function postgresUnavailableReason(): string | undefined {
  return findBinDir() === undefined
    ? 'PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): run scripts/bootstrap.sh'
    : undefined;
}

/** Starts a fresh PostgreSQL server (about 1–2 s). Call `stop()` when done (an exit hook stops leftovers). */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = findBinDir();
  if (binDir === undefined) throw new Error(postgresUnavailableReason());
  const dir = await mkdtemp(join(tmpdir(), 'signet-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  const logPath = join(dir, 'postgres.log');
  const owner = postgresOwner();
  await mkdir(socketDir);
  if (owner !== undefined) {
    await chown(dir, owner.uid, owner.gid);
    await chown(socketDir, owner.uid, owner.gid);
  }
  const asOwner = (bin: string, args: string[]): Promise<unknown> =>
    owner === undefined
      ? run(join(binDir, bin), args, { env: cleanEnv() })
      : run('runuser', ['-u', 'postgres', '--', join(binDir, bin), ...args], { env: cleanEnv(), cwd: dir });

  let running = false;
  let removed = false;
  const pgCtl = async (args: string[]): Promise<void> => {
    try {
      await asOwner('pg_ctl', ['-D', dataDir, ...args]);
    } catch (error) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      throw new Error(
        `pg_ctl ${args.join(' ')} failed: ${describe(error)}\n--- postgres.log ---\n${log.slice(-4000)}`,
        {
          cause: error,
        },
      );
    }
  };

  try {
    await asOwner('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${describe(error)}`, { cause: error });
  }

  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${socketDir}'`,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    shared_buffers: '32MB',
    ...options.settings,
  };
  await appendFile(
    join(dataDir, 'postgresql.conf'),
    `\n# signet test server\n${Object.entries(settings)
      .map(([key, value]) => `${key} = ${value}`)
      .join('\n')}\n`,
  );

  const host = '127.0.0.1';
  const databaseUrl = (name: string): string => `postgres://postgres@${host}:${port}/${encodeURIComponent(name)}`;
  const startServer = async (): Promise<void> => {
    if (running) return;
    await pgCtl(['start', '-w', '-t', '60', '-l', logPath]);
    running = true;
    LIVE.add(dataDir);
  };
  const stopServer = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    if (!running) return;
    await pgCtl(['stop', '-w', '-t', '60', '-m', mode]);
    running = false;
    LIVE.delete(dataDir);
  };
  let counter = 0;

  try {
    await startServer();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: databaseUrl('postgres'),
    host,
    port,
    dir,
    databaseUrl,
    async createDatabase(name) {
      counter += 1;
      const database = name ?? `test_${process.pid}_${counter}_${Date.now().toString(36)}`;
      await run(join(binDir, 'createdb'), ['-h', host, '-p', String(port), '-U', 'postgres', database], {
        env: cleanEnv(),
      });
      return databaseUrl(database);
    },
    stopServer,
    startServer,
    async restart() {
      await stopServer();
      await startServer();
    },
    async stop() {
      if (removed) return;
      removed = true;
      await stopServer('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    readLog: () => readFile(logPath, 'utf8').catch(() => ''),
  };
}

// Data folders of servers still running, stopped by the exit hook if a test file forgot (or crashed before) stop().
const LIVE = new Set<string>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    const binDir = findBinDir();
    if (binDir === undefined) return;
    for (const dataDir of LIVE) {
      const args = [join(binDir, 'pg_ctl'), '-D', dataDir, 'stop', '-m', 'immediate', '-w'];
      try {
        if (postgresOwner() === undefined) execFileSync(args[0] ?? '', args.slice(1), { stdio: 'ignore' });
        else execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore' });
      } catch {
        // best effort at exit
      }
    }
  });
}
hookExit();

function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  for (const entry of (process.env.PATH ?? '').split(':')) {
    if (entry !== '' && existsSync(join(entry, 'initdb')) && existsSync(join(entry, 'pg_ctl'))) return entry;
  }
  return undefined;
}

// PostgreSQL will not run as root: as root we run its tools as `postgres` through runuser; otherwise as ourselves.
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const out = execFileSync('id', ['postgres'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(out)?.[1];
  const gid = /gid=(\d+)/.exec(out)?.[1];
  if (uid === undefined || gid === undefined) throw new Error(`cannot read the postgres user's ids from ${out}`);
  return { uid: Number(uid), gid: Number(gid) };
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  for (const key of Object.keys(env)) if (key.startsWith('PG')) delete env[key];
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const stderr = 'stderr' in error ? error.stderr : undefined;
    return typeof stderr === 'string' && stderr !== '' ? `${error.message.split('\n')[0]}: ${stderr}` : error.message;
  }
  return String(error);
}
