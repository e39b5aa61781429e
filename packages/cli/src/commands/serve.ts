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
} from '@signet/registry';

import { optionalString, type Command } from '../command';
import { EXIT, UsageError, type CliContext } from '../context';

export const serve: Command = {
  summary: 'run the registry (HTTPS, embedded storage) and print the tofu/terraform config to use',
  usage: `Usage: signet serve [--data DIR] [--port 8443] [--host 127.0.0.1]
                    [--tls-cert FILE --tls-key FILE | --no-tls] [--max-file-size BYTES] [--draft-quota BYTES]
                    [--json] [--quiet]

Serves the Provider Registry and Network Mirror protocols and the management API (/api/v1) over HTTPS.
Everything lives under --data (default ./.signet): the SQLite database, the files, and a local CA
(DATA/tls/ca.pem) with a certificate for localhost and 127.0.0.1, made on first start unless
--tls-cert/--tls-key are given. --no-tls serves plain HTTP, only for behind a TLS-terminating proxy
(terraform speaks HTTPS to registries only). The admin token is SIGNET_ADMIN_TOKEN; when unset, one is made on first
start and printed once. Stops cleanly on Ctrl-C. --json prints one line {url, port, caFile, ...} once
listening. Then each request is one JSON line on stdout (the access log: method, path without query, status,
bytes, ms, token_id; never a token or a signature); --quiet turns that off. Server faults go to stderr.
--max-file-size caps one zip (default 1GiB; SHA256SUMS 1 MiB, .sig and manifest 64 KiB); --draft-quota caps the
bytes all drafts of one namespace hold together (default 10GiB; an upload past it gets 413 QUOTA_EXCEEDED).`,
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
    const maxFileBytes = parseSize(optionalString(args, 'max-file-size'), '--max-file-size', DEFAULT_MAX_FILE_BYTES);
    const draftQuotaBytes = parseSize(optionalString(args, 'draft-quota'), '--draft-quota', DEFAULT_DRAFT_QUOTA_BYTES);
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
      const generatedAdmin = adminToken === undefined ? await ensureAdminToken(metadata) : undefined;
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
      const server = await startServer({
        fetch: app.fetch,
        fastRead: app.fastRead,
        accessLog: args.values.quiet === true ? undefined : (entry) => context.stdout.write(formatAccessLogLine(entry)),
        host,
        port,
        tls: tls && { cert: tls.cert, key: tls.key },
      });
      const shown = formatHost(host, server.port);
      const url = `${tls ? 'https' : 'http'}://${shown}`;
      if (args.values.json === true) {
        context.stdout.write(
          `${JSON.stringify({ url, port: server.port, dataDir, caFile: tls?.caPath, ...(generatedAdmin ? { adminToken: generatedAdmin } : {}) })}\n`,
        );
      } else {
        context.stdout.write(
          banner({ url, shown, dataDir, caFile: tls?.caPath, generatedAdmin, fromEnv: adminToken !== undefined }),
        );
      }
      await waitForStop(context);
      await server.close();
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

function banner(input: {
  url: string;
  shown: string;
  dataDir: string;
  caFile: string | undefined;
  generatedAdmin: string | undefined;
  fromEnv: boolean;
}): string {
  const { url, shown, dataDir, caFile, generatedAdmin } = input;
  const admin = generatedAdmin
    ? `Admin token (shown only now; keep it): ${generatedAdmin}\n`
    : input.fromEnv
      ? 'Admin token: SIGNET_ADMIN_TOKEN.\n'
      : 'Admin token: the one printed at first start (or set SIGNET_ADMIN_TOKEN).\n';
  const ca = caFile ?? '/path/to/the/ca.pem (the CA of --tls-cert)';
  return `Signet registry on ${url} (data in ${dataDir})
${admin}
Publish a release folder (a publish or admin token):
  SIGNET_TOKEN=... signet publish dist/ --registry ${url} --namespace acme --key public.asc --ca-file ${ca}

For terraform/tofu on this machine, trust the local CA and use the registry's host in the source address:
  export SSL_CERT_FILE=${ca}
  terraform { required_providers { hello = { source = "${shown}/acme/hello" } } }

CLI config (TF_CLI_CONFIG_FILE or ~/.terraformrc); the credentials block is needed only for private namespaces:
  credentials "${shown}" {
    token = "<a read token: signet tokens create --role read --namespace acme>"
  }
  # Network mirror (for provider hostnames without a port, e.g. registry.example.com/acme/hello):
  # provider_installation {
  #   network_mirror { url = "${url}/mirror/" }
  # }

Stop with Ctrl-C.
`;
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

function parseSize(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const match = /^(\d+)\s*(B|KiB|MiB|GiB|K|M|G)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected bytes, e.g. 1073741824 or 512MiB.`);
  const unit = (match[2] ?? 'B').toUpperCase()[0] as 'B' | 'K' | 'M' | 'G';
  return Number(match[1]) * { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[unit];
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
