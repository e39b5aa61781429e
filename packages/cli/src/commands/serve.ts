import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import {
  createRegistryApp,
  createTokenId,
  createTokenSecret,
  DEFAULT_DRAFT_QUOTA_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  ensureLocalTls,
  formatAccessLogLine,
  hashTokenSecret,
  openFsBlobStore,
  openSqliteMetadataStore,
  startServer,
  StoreLockedError,
  type MetadataStore,
  type RunningServer,
  type StartServerOptions,
} from '@signet/registry';

import { optionalString, type Command } from '../command';
import { EXIT, UsageError, type CliContext } from '../context';
import { parseSizeFlag } from '../sizes';
import { formatServeBanner, type BannerProvider } from '../serve-banner';

export const serve: Command = {
  summary: 'run the registry (HTTPS, embedded storage) and print the tofu/terraform config to use',
  usage: `Usage: signet serve [--data DIR] [--port 8443] [--host 127.0.0.1]
                    [--tls-cert FILE --tls-key FILE | --no-tls] [--max-file-size BYTES] [--draft-quota BYTES]
                    [--json] [--quiet]

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
bytes all drafts of one namespace hold together (default 10GiB; an upload past it gets 413 QUOTA_EXCEEDED).`,
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
    await mkdir(dataDir, { recursive: true, mode: 0o700 });

    let metadata: MetadataStore;
    try {
      metadata = await openSqliteMetadataStore({ path: join(dataDir, 'signet.db') });
    } catch (error) {
      if (error instanceof StoreLockedError) {
        throw new UsageError(`${error.message} Is another \`signet serve\` using ${dataDir}?`, error.code);
      }
      throw error;
    }
    try {
      const blobs = await openFsBlobStore({ dataDir });
      const tls = plain
        ? undefined
        : certFile !== undefined && keyFile !== undefined
          ? {
              cert: await readInput(context, certFile, '--tls-cert'),
              key: await readInput(context, keyFile, '--tls-key'),
              caPath: undefined,
            }
          : await ensureLocalTls(join(dataDir, 'tls'));
      const adminToken = context.env.SIGNET_ADMIN_TOKEN || undefined;
      const app = createRegistryApp({
        metadata,
        blobs,
        adminToken,
        maxFileBytes,
        draftQuotaBytes,
        urlSigningSecret: await urlSigningSecret(dataDir),
        onError: (error, request) =>
          context.stderr.write(
            `signet serve: ${request.method} ${new URL(request.url).pathname} failed: ${String((error as Error).stack ?? error)}\n`,
          ),
      });
      const server = await listen({
        fetch: app.fetch,
        fastRead: app.fastRead,
        accessLog: args.values.quiet === true ? undefined : (entry) => context.stdout.write(formatAccessLogLine(entry)),
        host,
        port,
        tls: tls && { cert: tls.cert, key: tls.key },
      });
      try {
        // Made only now that the server listens, and printed right away: a start that fails before this point
        // (a busy port, a bad certificate) leaves no admin token behind that nobody saw.
        const generatedAdmin = adminToken === undefined ? await ensureAdminToken(metadata) : undefined;
        const shown = formatHost(host, server.port);
        const url = `${tls ? 'https' : 'http'}://${shown}`;
        if (args.values.json === true) {
          context.stdout.write(
            `${JSON.stringify({ url, port: server.port, dataDir, caFile: tls?.caPath, ...(generatedAdmin ? { adminToken: generatedAdmin } : {}) })}\n`,
          );
        } else {
          const { providers, privateNamespaces } = await listServedProviders(metadata);
          context.stdout.write(
            formatServeBanner({
              url,
              host: shown,
              dataDir,
              caFile: tls?.caPath,
              generatedAdmin,
              adminFromEnv: adminToken !== undefined,
              providers,
              privateNamespaces,
            }),
          );
        }
        await waitForStop(context);
      } finally {
        await server.close();
      }
      return { json: undefined, text: '', exitCode: EXIT.ok };
    } finally {
      await metadata.close();
    }
  },
};

/** Makes the admin token on first start (none stored yet); afterwards the stored one keeps working. */
async function ensureAdminToken(metadata: MetadataStore): Promise<string | undefined> {
  const tokens = await metadata.listTokens();
  if (tokens.some((t) => t.role === 'admin' && t.revokedAt === undefined)) return undefined;
  const secret = createTokenSecret();
  await metadata.createToken({
    id: createTokenId(),
    name: 'admin (made by signet serve on first start)',
    role: 'admin',
    namespaces: [],
    secretHash: hashTokenSecret(secret),
  });
  return secret;
}

/**
 * Starts listening; the listen errors a caller causes (a busy port, a privileged one, an address that is not this
 * machine's) become usage errors that name the flag to change.
 */
async function listen(options: StartServerOptions): Promise<RunningServer> {
  try {
    return await startServer(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${options.host}:${options.port}`;
    if (code === 'EADDRINUSE') {
      throw new UsageError(
        `Cannot listen on ${where}: the port is in use (another signet serve?). Choose another with --port N, or --port 0 for any free one.`,
      );
    }
    if (code === 'EACCES') {
      throw new UsageError(
        `Cannot listen on ${where}: ports below 1024 need privileges. Use --port N with N from 1024 (e.g. 8443), or --port 0 for any free one.`,
      );
    }
    if (code === 'EADDRNOTAVAIL') {
      throw new UsageError(
        `Cannot listen on ${where}: ${JSON.stringify(options.host)} is not an address of this machine. Use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).`,
      );
    }
    throw error;
  }
}

/** The providers with a published version, and the private namespaces: what the banner's snippets name. */
async function listServedProviders(
  metadata: MetadataStore,
): Promise<{ providers: BannerProvider[]; privateNamespaces: string[] }> {
  const namespaces = await metadata.listNamespaces();
  const providers: BannerProvider[] = [];
  for (const ns of namespaces) {
    for (const provider of await metadata.listProviders(ns.name)) {
      const versions = await metadata.listVersions(ns.name, provider.type);
      if (!versions.some((v) => v.state === 'published' && !v.yanked)) continue;
      providers.push({ namespace: ns.name, type: provider.type, private: ns.visibility === 'private' });
    }
  }
  return {
    providers,
    privateNamespaces: namespaces.filter((ns) => ns.visibility === 'private').map((ns) => ns.name),
  };
}

/** The HMAC key of signed file URLs: kept in DATA so links stay valid across restarts. */
async function urlSigningSecret(dataDir: string): Promise<Uint8Array> {
  const path = join(dataDir, 'url-signing.key');
  try {
    const existing = await readFile(path);
    if (existing.length >= 32) return existing;
  } catch {
    // first start
  }
  const secret = randomBytes(32);
  await writeFile(path, secret, { mode: 0o600 });
  return secret;
}

function formatHost(host: string, port: number): string {
  // The local certificate names localhost; 127.0.0.1 and the wildcard addresses are reached as localhost.
  const name = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host)
    ? 'localhost'
    : host.includes(':')
      ? `[${host}]`
      : host;
  return port === 443 ? name : `${name}:${port}`;
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
