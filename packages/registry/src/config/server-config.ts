// The one place a `signet serve` setting is defined: its flag, its environment variable, its default and what it
// does. `signet serve --help` prints SERVER_SETTINGS; parseServerConfig reads them. A flag wins over its variable.
// Secrets (the admin token, the URL-signing key) come from the environment only and are never echoed; a database
// URL may carry a password, so no message quotes it (formatDatabaseUrl shows it with the password masked).

import { availableParallelism } from 'node:os';

import { parseBlobsUrl, type BlobsConfig } from './blobs-url';
import { parseDatabaseUrl, type DatabaseConfig } from './database-url';
import { ServerConfigError } from './config-error';
import { parseDuration } from './duration';

export { ServerConfigError };

/** One documented setting. */
export interface ServerSetting {
  /** The flag, e.g. `--database`; absent for secrets (environment only). */
  flag?: `--${string}`;
  /** The environment variable, e.g. `SIGNET_DATABASE_URL`; absent for flags that have none. */
  env?: `SIGNET_${string}`;
  /** What the value looks like, for the help text (`URL`, `DURATION`). Empty for a switch. */
  value: string;
  /** True when the value is a secret: read from the environment only, never printed. */
  secret: boolean;
  /** What it does and its default, for people. */
  description: string;
}

/**
 * Every setting of `signet serve`, in the order `--help` lists them. Storage first, then what replicas must share,
 * then operations. The embedded default (no storage setting) is one process on one data folder.
 */
export const SERVER_SETTINGS = [
  {
    flag: '--data',
    value: 'DIR',
    secret: false,
    description:
      'The data folder (default ./.signet): the SQLite database and files of the embedded default, the local CA, the URL-signing key when SIGNET_URL_SIGNING_KEY is unset.',
  },
  {
    flag: '--host',
    value: 'ADDRESS',
    secret: false,
    description: 'The address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).',
  },
  { flag: '--port', value: 'PORT', secret: false, description: 'The port (default 8443; 0 for any free one).' },
  {
    flag: '--tls-cert',
    value: 'FILE',
    secret: false,
    description: 'PEM certificate chain to serve with (with --tls-key); a local CA under --data is made otherwise.',
  },
  { flag: '--tls-key', value: 'FILE', secret: false, description: "The certificate's PEM private key." },
  {
    flag: '--no-tls',
    value: '',
    secret: false,
    description: 'Plain HTTP, only behind a TLS-terminating proxy or load balancer (terraform speaks HTTPS only).',
  },
  {
    flag: '--max-file-size',
    value: 'BYTES',
    secret: false,
    description: 'Largest zip an upload may send (default 1GiB).',
  },
  {
    flag: '--draft-quota',
    value: 'BYTES',
    secret: false,
    description: 'Bytes all drafts of one namespace may hold together (default 10GiB).',
  },
  {
    flag: '--database',
    env: 'SIGNET_DATABASE_URL',
    value: 'URL',
    secret: false,
    description:
      'postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]: metadata in PostgreSQL (migrations applied on start), for replicas. Default: SQLite in --data. Prefer the variable (or PGPASSWORD) for the password: flags show in process lists.',
  },
  {
    flag: '--blobs',
    env: 'SIGNET_BLOBS_URL',
    value: 'URL',
    secret: false,
    description:
      's3://BUCKET[/PREFIX][?endpoint=URL&region=R&forcePathStyle=true&prefix=P]: files in S3-compatible object storage, downloads answered by a 302 to a presigned URL. Credentials: the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles), never the URL. Default: files in --data.',
  },
  {
    env: 'SIGNET_ADMIN_TOKEN',
    value: 'TOKEN',
    secret: true,
    description:
      'An admin bearer token that works besides the stored ones; give every replica the same. Required with --database or --blobs; unset on the embedded default, one is made on the first start and printed once.',
  },
  {
    env: 'SIGNET_URL_SIGNING_KEY',
    value: 'KEY',
    secret: true,
    description:
      'The HMAC key of signed file URLs (private namespaces), at least 32 characters (openssl rand -hex 32); every replica needs the same one. Required with --database or --blobs; the embedded default keeps one in --data.',
  },
  {
    flag: '--presign-expiry',
    env: 'SIGNET_PRESIGN_EXPIRY',
    value: 'DURATION',
    secret: false,
    description:
      'How long a presigned object URL of a download redirect stays valid (default 5m; 10s–7d, S3 allows at most 7 days).',
  },
  {
    flag: '--workers',
    env: 'SIGNET_WORKERS',
    value: 'N|auto',
    secret: false,
    description:
      'Processes serving the one port (default 1; auto: one per core). On the embedded default the first process keeps the SQLite file and the workers reach it through it; with --database and --blobs each worker opens its own connections. A worker that dies is restarted.',
  },
  {
    flag: '--shutdown-timeout',
    env: 'SIGNET_SHUTDOWN_TIMEOUT',
    value: 'DURATION',
    secret: false,
    description:
      'On SIGTERM/SIGINT: stop accepting, let requests in flight finish for up to this long (default 10s), then close their connections and the stores.',
  },
] as const satisfies readonly ServerSetting[];

/** The flags and variables parseServerConfig reads (the flags as parsed, `undefined` when not given). */
export interface ServerConfigInput {
  flags: {
    database?: string | undefined;
    blobs?: string | undefined;
    'presign-expiry'?: string | undefined;
    'shutdown-timeout'?: string | undefined;
    workers?: string | undefined;
  };
  env: Record<string, string | undefined>;
  /**
   * Whether the secrets replicas must share are required with shared stores (default true, for `signet serve`);
   * maintenance commands that serve nothing (`signet gc`) pass false.
   */
  requireSharedSecrets?: boolean;
}

/** What the storage-independent part of `signet serve` runs with. */
export interface ServerConfig {
  database: DatabaseConfig;
  blobs: BlobsConfig;
  /** SIGNET_ADMIN_TOKEN, when set. */
  adminToken: string | undefined;
  /** SIGNET_URL_SIGNING_KEY's bytes, when set. */
  urlSigningKey: Uint8Array | undefined;
  presignExpirySeconds: number;
  shutdownTimeoutMs: number;
  /** How many processes serve the port: 1 is one process (no cluster); more is a primary and that many workers. */
  workers: number;
  /** True when anything is shared with other processes (PostgreSQL or object storage). */
  scaleOut: boolean;
}

export const DEFAULT_PRESIGN_EXPIRY_SECONDS = 300;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** More workers than this only share the same cores' time (and each holds its own read model). */
export const MAX_WORKERS = 64;
const MIN_URL_SIGNING_KEY_LENGTH = 32;

/** Reads the scale-out and operations settings; throws `ServerConfigError` naming the setting that is wrong. */
export function parseServerConfig(input: ServerConfigInput): ServerConfig {
  const pick = (flag: keyof ServerConfigInput['flags'], env: string) => {
    const fromFlag = input.flags[flag];
    if (fromFlag !== undefined) return { value: fromFlag, setting: `--${flag}` };
    const fromEnv = input.env[env];
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, setting: env };
  };
  const databaseInput = pick('database', 'SIGNET_DATABASE_URL');
  const blobsInput = pick('blobs', 'SIGNET_BLOBS_URL');
  const database = databaseInput
    ? parseDatabaseUrl(databaseInput.value, databaseInput.setting)
    : { kind: 'sqlite' as const };
  const blobs = blobsInput ? parseBlobsUrl(blobsInput.value, blobsInput.setting) : { kind: 'fs' as const };
  const scaleOut = database.kind !== 'sqlite' || blobs.kind !== 'fs';

  const urlSigningKey = readUrlSigningKey(input.env.SIGNET_URL_SIGNING_KEY);
  const adminToken = input.env.SIGNET_ADMIN_TOKEN || undefined;
  const storage = databaseInput?.setting ?? blobsInput?.setting;
  const requireSecrets = scaleOut && input.requireSharedSecrets !== false;
  if (requireSecrets && urlSigningKey === undefined) {
    throw new ServerConfigError(
      'SIGNET_URL_SIGNING_KEY',
      `Expected SIGNET_URL_SIGNING_KEY with ${storage}: replicas must share the key of signed file URLs, or a link made by one fails on another. Set the same value on every replica, e.g. from \`openssl rand -hex 32\`.`,
    );
  }
  if (requireSecrets && adminToken === undefined) {
    throw new ServerConfigError(
      'SIGNET_ADMIN_TOKEN',
      `Expected SIGNET_ADMIN_TOKEN with ${storage}: replicas do not make an admin token of their own; give every replica the same one (and create scoped tokens with it).`,
    );
  }

  const presign = pick('presign-expiry', 'SIGNET_PRESIGN_EXPIRY');
  const presignExpirySeconds = presign
    ? Math.round(parseDuration(presign.value, presign.setting, { minMs: 10_000, maxMs: 7 * 24 * 3600_000 }) / 1000)
    : DEFAULT_PRESIGN_EXPIRY_SECONDS;
  const shutdown = pick('shutdown-timeout', 'SIGNET_SHUTDOWN_TIMEOUT');
  const shutdownTimeoutMs = shutdown
    ? parseDuration(shutdown.value, shutdown.setting, { minMs: 0, maxMs: 3600_000 })
    : DEFAULT_SHUTDOWN_TIMEOUT_MS;

  const workersInput = pick('workers', 'SIGNET_WORKERS');
  const workers = workersInput ? parseWorkers(workersInput.value, workersInput.setting) : 1;
  if (workers > 1 && scaleOut && (database.kind !== 'postgres' || blobs.kind !== 's3')) {
    // Each scale-out worker opens the stores itself: SQLite takes one process, and the folder's blob store clears
    // its tmp/ on open, which would cut the uploads of the other workers.
    const missing = database.kind !== 'postgres' ? '--database postgres://…' : '--blobs s3://…';
    const local = database.kind !== 'postgres' ? 'SQLite in --data' : 'the files in --data';
    throw new ServerConfigError(
      workersInput!.setting,
      `Expected ${workersInput!.setting} with ${storage} to come with ${missing} as well: ${local} can be opened by one process only. Give ${missing}, or leave ${workersInput!.setting} out; the embedded default (neither --database nor --blobs) runs workers too.`,
    );
  }

  return {
    database,
    blobs,
    adminToken,
    urlSigningKey,
    presignExpirySeconds,
    shutdownTimeoutMs,
    workers,
    scaleOut,
  };
}

/** `--workers N` (1–MAX_WORKERS) or `auto` (one per core this process may use). */
function parseWorkers(value: string, setting: string): number {
  if (value === 'auto') return Math.min(MAX_WORKERS, availableParallelism());
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > MAX_WORKERS) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to be a whole number from 1 to ${MAX_WORKERS} or auto, found ${JSON.stringify(value)}.`,
    );
  }
  return count;
}

function readUrlSigningKey(value: string | undefined): Uint8Array | undefined {
  if (value === undefined || value === '') return undefined;
  const bytes = new TextEncoder().encode(value);
  if (bytes.length < MIN_URL_SIGNING_KEY_LENGTH) {
    // The length only: the key itself is never repeated.
    throw new ServerConfigError(
      'SIGNET_URL_SIGNING_KEY',
      `Expected SIGNET_URL_SIGNING_KEY to be at least ${MIN_URL_SIGNING_KEY_LENGTH} characters, found ${bytes.length}; make one with \`openssl rand -hex 32\`.`,
    );
  }
  return bytes;
}

/** The settings as `signet serve --help` lists them: flag and variable, then the description, indented. */
export function formatServerSettings(width = 110): string {
  const lines: string[] = [];
  for (const setting of SERVER_SETTINGS as readonly ServerSetting[]) {
    const names = [setting.flag && `${setting.flag}${setting.value ? ` ${setting.value}` : ''}`, setting.env]
      .filter((name): name is string => Boolean(name))
      .join(', ');
    lines.push(`  ${names}${setting.secret ? ' (secret: environment only)' : ''}`);
    lines.push(...wrap(setting.description, width - 6).map((line) => `      ${line}`));
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
