import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import {
  DEFAULT_DRAFT_QUOTA_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  formatAccessLogLine,
  StoreLockedError,
  type AccessLogEntry,
} from '@signet/registry';
import {
  isClusterWorker,
  LocalRegistryListenError,
  openLocalRegistry,
  runLocalRegistryWorker,
  type LocalRegistry,
  type LocalRegistryOptions,
} from '@signet/registry/local';
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  formatServerSettings,
  parseServerConfig,
  runRegistryServerWorker,
  ServerConfigError,
  startRegistryServer,
  type RegistryServer,
  type RegistryServerOptions,
  type ServerConfig,
} from '@signet/registry/server';

import { optionalString, type Command, type ParsedArgs } from '../command';
import { EXIT, UsageError, type CliContext } from '../context';
import { parseSizeFlag } from '../sizes';
import { formatServeBanner } from '../serve-banner';

export const serve: Command = {
  summary: 'run the registry (HTTPS, embedded storage) and print the tofu/terraform config to use',
  usage: `Usage: signet serve [--data DIR] [--port 8443] [--host 127.0.0.1]
                    [--tls-cert FILE --tls-key FILE | --no-tls] [--max-file-size BYTES] [--draft-quota BYTES]
                    [--database postgres://…] [--blobs s3://BUCKET?…] [--presign-expiry 5m]
                    [--shutdown-timeout 10s] [--workers N|auto] [--json] [--quiet]

Serves the Provider Registry and Network Mirror protocols and the management API (/api/v1) over HTTPS.
Everything lives under --data (default ./.signet): the SQLite database, the files, and a local CA
(DATA/tls/ca.pem) with a certificate for localhost and 127.0.0.1, made on first start unless
--tls-cert/--tls-key are given. --no-tls serves plain HTTP, only for behind a TLS-terminating proxy
(terraform speaks HTTPS to registries only). The admin token is SIGNET_ADMIN_TOKEN; when unset, one is made on the
first start that listens and printed once. A busy --port is a usage error (exit 2): choose another, or --port 0 for
any free one. Once listening it prints what to paste: the export SSL_CERT_FILE line, the required_providers block
of the providers published so far, and the CLI config's credentials block when a namespace is private. Stops
cleanly on Ctrl-C. --json prints one line {url, port, caFile, ...} instead. Then each request is one JSON line on
stdout (the access log: method, path without query, status, bytes, ms, token_id; never a token or a signature);
--quiet turns that off. Server faults go to stderr.
--max-file-size caps one zip (default 1GiB; SHA256SUMS 1 MiB, .sig and manifest 64 KiB); --draft-quota caps the
bytes all drafts of one namespace hold together (default 10GiB; an upload past it gets 413 QUOTA_EXCEEDED).

Scale-out: --database (PostgreSQL) and --blobs (S3-compatible storage) let any number of replicas serve one
registry behind a load balancer; they share SIGNET_ADMIN_TOKEN and SIGNET_URL_SIGNING_KEY, hear each other's
changes through PostgreSQL LISTEN/NOTIFY, and answer file downloads with a 302 to a presigned object URL. Every
start serves GET /healthz (the process), GET /readyz (the stores answer: 200, else 503 with Retry-After) and
GET /metrics (Prometheus). A store that is down makes requests 503 with Retry-After.

Every core: --workers N (or auto) starts N processes on the one port. On the embedded default the first keeps the
SQLite file and the workers' calls run through it; a change one worker makes reaches every worker's caches at once.
/metrics sums every worker, /healthz names the worker that answered, a worker that dies is restarted, and Ctrl-C
(SIGINT/SIGTERM to the first process) stops them all cleanly.

Settings (a flag wins over its variable):
${formatServerSettings()}`,
  json: 'print one line {url, port, caFile, adminToken when just made} once listening, instead of the banner',
  options: {
    data: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'no-tls': { type: 'boolean' },
    'max-file-size': { type: 'string' },
    'draft-quota': { type: 'string' },
    database: { type: 'string' },
    blobs: { type: 'string' },
    'presign-expiry': { type: 'string' },
    'shutdown-timeout': { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(args, context) {
    const dataDir = resolve(context.cwd, optionalString(args, 'data') ?? '.signet');
    const port = parsePort(optionalString(args, 'port') ?? '8443');
    const host = optionalString(args, 'host') ?? '127.0.0.1';
    const maxFileBytes = parseSizeFlag(
      optionalString(args, 'max-file-size'),
      '--max-file-size',
      DEFAULT_MAX_FILE_BYTES,
    );
    const draftQuotaBytes = parseSizeFlag(
      optionalString(args, 'draft-quota'),
      '--draft-quota',
      DEFAULT_DRAFT_QUOTA_BYTES,
    );
    const certFile = optionalString(args, 'tls-cert');
    const keyFile = optionalString(args, 'tls-key');
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw new UsageError('Give both --tls-cert and --tls-key, or neither (a local CA is made then).');
    }
    const plain = args.values['no-tls'] === true;
    if (plain && certFile !== undefined) throw new UsageError('--no-tls and --tls-cert/--tls-key exclude each other.');
    const tls = plain
      ? ('none' as const)
      : certFile !== undefined && keyFile !== undefined
        ? {
            cert: await readInput(context, certFile, '--tls-cert'),
            key: await readInput(context, keyFile, '--tls-key'),
          }
        : ('local' as const);
    const adminToken = context.env.SIGNET_ADMIN_TOKEN || undefined;
    const config = readServerConfig(args, context);
    const accessLog =
      args.values.quiet === true
        ? undefined
        : (entry: AccessLogEntry) => context.stdout.write(formatAccessLogLine(entry));
    const onError = (error: unknown, request?: Request) =>
      context.stderr.write(
        request
          ? `signet serve: ${request.method} ${new URL(request.url).pathname} failed: ${String((error as Error).stack ?? error)}\n`
          : `signet serve: ${String((error as Error).message ?? error)}\n`,
      );
    if (isClusterWorker()) {
      // A worker of `--workers N`: the same command re-run by the primary, which prints the banner and owns the
      // embedded stores; a worker stops when the primary says so (Ctrl-C reaches the primary, which tells them).
      const exitCode = config.scaleOut
        ? await runRegistryServerWorker({
            config,
            dataDir,
            host,
            port,
            tls,
            maxFileBytes,
            draftQuotaBytes,
            accessLog,
            onError,
          })
        : await runLocalRegistryWorker({ accessLog, onError });
      return { json: undefined, text: '', exitCode };
    }
    const log = (line: string) => context.stderr.write(`${line}\n`);
    if (config.scaleOut) {
      return serveScaledOut(
        context,
        config,
        { dataDir, host, port, tls, maxFileBytes, draftQuotaBytes, accessLog, log },
        args.values.json === true,
      );
    }
    const registry = await start({
      dataDir,
      host,
      port,
      tls,
      adminToken,
      maxFileBytes,
      draftQuotaBytes,
      accessLog,
      onError: (error, request) => onError(error, request),
      metrics: true,
      workers: config.workers,
      log,
      ...(config.shutdownTimeoutMs === DEFAULT_SHUTDOWN_TIMEOUT_MS
        ? {}
        : { shutdownGraceMs: config.shutdownTimeoutMs }),
    });
    try {
      // The admin token is made only once the server listens, and printed right away: a start that fails before
      // (a busy port, a bad certificate) leaves no admin token behind that nobody saw.
      const generatedAdmin = registry.adminToken ?? undefined;
      const caFile = registry.caFile ?? undefined;
      const { url } = registry;
      if (args.values.json === true) {
        context.stdout.write(
          `${JSON.stringify({ url, port: registry.port, dataDir, caFile, ...(generatedAdmin ? { adminToken: generatedAdmin } : {}), ...workersField(config) })}\n`,
        );
      } else {
        const { providers, privateNamespaces } = await registry.listPublishedProviders();
        context.stdout.write(
          formatServeBanner({
            url,
            host: registry.host,
            dataDir,
            caFile,
            generatedAdmin,
            adminFromEnv: adminToken !== undefined,
            providers,
            privateNamespaces,
          }),
        );
      }
      await waitForStop(context);
    } finally {
      await registry.close();
    }
    return { json: undefined, text: '', exitCode: EXIT.ok };
  },
};

/** The scale-out and operations settings; a value that cannot be used is a usage error naming its flag. */
function readServerConfig(args: ParsedArgs, context: CliContext): ServerConfig {
  try {
    return parseServerConfig({
      flags: {
        database: optionalString(args, 'database'),
        blobs: optionalString(args, 'blobs'),
        'presign-expiry': optionalString(args, 'presign-expiry'),
        'shutdown-timeout': optionalString(args, 'shutdown-timeout'),
        workers: optionalString(args, 'workers'),
      },
      env: context.env,
    });
  } catch (error) {
    if (error instanceof ServerConfigError) throw new UsageError(error.message, error.code);
    throw error;
  }
}

interface ScaledOutOptions {
  dataDir: string;
  host: string;
  port: number;
  tls: LocalRegistryOptions['tls'];
  maxFileBytes: number;
  draftQuotaBytes: number;
  accessLog: ((entry: AccessLogEntry) => void) | undefined;
  log: (line: string) => void;
}

/** `workers: N` in the --json line when more than one process serves. */
function workersField(config: ServerConfig): { workers?: number } {
  return config.workers > 1 ? { workers: config.workers } : {};
}

/** `signet serve --database … / --blobs …`: one replica on shared stores (or N workers of one), until SIGTERM/SIGINT. */
async function serveScaledOut(
  context: CliContext,
  config: ServerConfig,
  options: ScaledOutOptions,
  json: boolean,
): Promise<{ json: undefined; text: string; exitCode: number }> {
  const registry = await startScaledOut({
    config,
    ...options,
    tls: options.tls ?? 'local',
    onError: (error, request) =>
      context.stderr.write(
        request
          ? `signet serve: ${request.method} ${new URL(request.url).pathname} failed: ${String((error as Error).stack ?? error)}\n`
          : `signet serve: ${String((error as Error).message ?? error)}\n`,
      ),
  });
  try {
    const { url, port } = registry;
    const caFile = registry.caFile ?? undefined;
    const { database, blobs } = registry.describe;
    if (json) {
      context.stdout.write(
        `${JSON.stringify({ url, port, dataDir: options.dataDir, caFile, database, blobs, ...workersField(config) })}\n`,
      );
    } else {
      const workers = config.workers > 1 ? `, ${config.workers} workers` : '';
      context.stdout.write(
        [
          `Signet registry on ${url} (a replica${workers}: metadata in ${database}, files in ${blobs})`,
          ...(caFile ? [`  export SSL_CERT_FILE=${caFile}`] : []),
          `  Health: ${url}/healthz  Ready: ${url}/readyz  Metrics: ${url}/metrics`,
          'Stop with Ctrl-C (requests in flight finish first).',
          '',
        ].join('\n'),
      );
    }
    await waitForStop(context);
  } finally {
    await registry.close();
  }
  return { json: undefined, text: '', exitCode: EXIT.ok };
}

async function startScaledOut(options: RegistryServerOptions): Promise<RegistryServer> {
  try {
    return await startRegistryServer(options);
  } catch (error) {
    if (error instanceof StoreLockedError) {
      throw new UsageError(`${error.message} Is another \`signet serve\` using ${options.dataDir}?`, error.code);
    }
    if (error instanceof LocalRegistryListenError) {
      throw new UsageError(
        `Cannot listen on ${options.host}:${options.port}: ${error.message} Choose another with --port N or --host.`,
      );
    }
    throw error;
  }
}

/**
 * Starts the registry; what a caller causes (the folder in use, a busy port, a privileged one, an address that is
 * not this machine's) becomes a usage error that names the flag to change.
 */
async function start(options: LocalRegistryOptions & { host: string; port: number }): Promise<LocalRegistry> {
  const { dataDir, host, port } = options;
  try {
    return await openLocalRegistry(options);
  } catch (error) {
    if (error instanceof StoreLockedError) {
      throw new UsageError(`${error.message} Is another \`signet serve\` using ${dataDir}?`, error.code);
    }
    if (!(error instanceof LocalRegistryListenError)) throw error;
    const where = `${host}:${port}`;
    if (error.code === 'PORT_IN_USE') {
      throw new UsageError(
        `Cannot listen on ${where}: the port is in use (another signet serve?). Choose another with --port N, or --port 0 for any free one.`,
      );
    }
    if (error.code === 'PORT_PRIVILEGED') {
      throw new UsageError(
        `Cannot listen on ${where}: ports below 1024 need privileges. Use --port N with N from 1024 (e.g. 8443), or --port 0 for any free one.`,
      );
    }
    throw new UsageError(
      `Cannot listen on ${where}: ${JSON.stringify(host)} is not an address of this machine. Use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).`,
    );
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new UsageError(`--port ${JSON.stringify(value)} is not a port number (0–65535).`);
  return port;
}

async function readInput(context: CliContext, path: string, flag: string): Promise<string> {
  try {
    return await readFile(resolve(context.cwd, path), 'utf8');
  } catch {
    throw new UsageError(`Cannot read ${flag} ${JSON.stringify(path)}: no such file.`, 'INPUT_INVALID');
  }
}

function waitForStop(context: CliContext): Promise<void> {
  const signal = context.signal;
  if (!signal) return new Promise(() => {}); // no way to be stopped: serve until the process ends
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
