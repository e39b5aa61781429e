import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import {
  exportStaticRegistry,
  formatNginxStaticConfig,
  NGINX_EXAMPLE_OPTIONS,
  StoreLockedError,
  type ExportStaticResult,
} from '@signet/registry';
import { localRegistryPaths } from '@signet/registry/local';
import {
  createS3StaticSinkFromUrl,
  openRegistryBackends,
  parseServerConfig,
  ServerConfigError,
  type ServerConfig,
} from '@signet/registry/server';

import { optionalString, stringList, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { createProgress } from '../progress';

export const exportStatic: Command = {
  summary: 'write the read side of the public namespaces as static files for nginx or an S3 bucket/CDN',
  usage: `Usage: signet export static (--out DIR | --to s3://BUCKET[/PREFIX]?endpoint=…&region=…)
                            [--data DIR | --database postgres://… --blobs s3://…]
                            [--base-url URL] [--mirror-host HOST]...
       signet export static --print-nginx-config [--out DIR]

Writes what terraform reads from this registry, for the published versions of public namespaces only
(never a private namespace, never a draft), as files laid out as the registry's URL paths:
  DIR/.well-known/terraform.json                      discovery
  DIR/v1/providers/NS/TYPE/versions                   versions (deprecation warnings; yanked ones unlisted)
  DIR/v1/providers/NS/TYPE/VERSION/download/OS/ARCH   download JSON with the signing keys
  DIR/v1/files/NS/TYPE/VERSION/FILE                   zips, SHA256SUMS, .sig, manifest
  DIR/mirror/HOST/NS/TYPE/index.json, VERSION.json    network mirror (h1: and zh: hashes)
Documents without an extension are JSON: serve them as application/json (--print-nginx-config prints
the nginx server block that does). --to writes the same paths as objects of a bucket, each with its
Content-Type and Cache-Control (the --blobs URL syntax; credentials from the standard AWS chain).
File URLs are relative, so DIR works from any host and prefix; --base-url https://HOST/PREFIX/ (or a
root path /PREFIX/) makes them absolute and points discovery there (discovery is always read from
the host's root). The mirror is written for each --mirror-host (the providers' source host; default
the --base-url host). The registry is read as \`signet serve\` opens it: --data (default ./.signet,
a stopped serve's folder), or --database/SIGNET_DATABASE_URL and --blobs/SIGNET_BLOBS_URL (while
replicas run).
Re-running writes only what changed and removes what the registry no longer has.`,
  json: 'print {ok, location, providers, versions, mirrorHosts, written, unchanged, removed} (counts) as JSON',
  options: {
    out: { type: 'string' },
    to: { type: 'string' },
    data: { type: 'string' },
    database: { type: 'string' },
    blobs: { type: 'string' },
    'base-url': { type: 'string' },
    'mirror-host': { type: 'string', multiple: true },
    'print-nginx-config': { type: 'boolean' },
  },
  async run(args, context) {
    if (args.values['print-nginx-config'] === true) {
      const out = optionalString(args, 'out');
      const root = out === undefined ? NGINX_EXAMPLE_OPTIONS.root : resolve(context.cwd, out);
      const config = formatNginxStaticConfig({ ...NGINX_EXAMPLE_OPTIONS, root });
      return { json: { ok: true, nginxConfig: config }, text: config, exitCode: EXIT.ok };
    }
    const out = optionalString(args, 'out');
    const to = optionalString(args, 'to');
    if (out !== undefined && to !== undefined) {
      throw new UsageError('Give one of --out DIR (a folder) or --to s3://BUCKET… (a bucket), not both.');
    }
    if (out === undefined && to === undefined) {
      throw new UsageError('Missing where to write: --out DIR (a folder) or --to s3://BUCKET… (a bucket).');
    }
    const outDir = out === undefined ? undefined : resolve(context.cwd, out);
    // Parsed before the stores are opened: a wrong URL is said at once (CONFIG_INVALID, exit 2).
    let config: ServerConfig;
    try {
      config = parseServerConfig({
        flags: { database: optionalString(args, 'database'), blobs: optionalString(args, 'blobs') },
        env: context.env,
        requireSharedSecrets: false,
      });
    } catch (error) {
      if (error instanceof ServerConfigError) throw new UsageError(error.message, error.code);
      throw error;
    }
    const sink = to === undefined ? undefined : createS3StaticSinkFromUrl(to, '--to');
    const dataDir = resolve(context.cwd, optionalString(args, 'data') ?? '.signet');
    // Refused without signet.db: a mistyped --data would otherwise export an empty registry and say it went well.
    if (
      config.database.kind === 'sqlite' &&
      !(await stat(localRegistryPaths(dataDir).database).catch(() => undefined))
    ) {
      throw new UsageError(
        `${dataDir} holds no \`signet serve\` data (no signet.db); give the --data folder of a signet serve, or --database.`,
        'INPUT_INVALID',
      );
    }
    const store = await openRegistryBackends(config, { dataDir }).catch((error: unknown) => {
      if (error instanceof StoreLockedError) {
        throw new UsageError(`${dataDir} is in use by a running \`signet serve\`: stop it, then export.`, error.code);
      }
      throw error;
    });
    const lines = createProgress(context, args.values.json === true);
    lines.phase('exporting');
    let result: ExportStaticResult;
    try {
      result = await exportStaticRegistry({
        metadata: store.metadata,
        blobs: store.blobs,
        outDir,
        sink,
        baseUrl: optionalString(args, 'base-url'),
        mirrorHosts: stringList(args, 'mirror-host'),
        onProgress: (message) => lines.status(message),
      });
    } finally {
      lines.done();
      await store.close();
      await sink?.close();
    }
    const counts = {
      providers: result.providers,
      versions: result.versions,
      mirrorHosts: result.mirrorHosts,
      written: result.written.length,
      unchanged: result.unchanged,
      removed: result.removed.length,
    };
    const mirror =
      result.mirrorHosts.length > 0
        ? `Network mirror for ${result.mirrorHosts.join(', ')}: network_mirror { url = "https://HOST/PREFIX/mirror/" }.\n`
        : 'No network mirror written: give --mirror-host HOST (the providers’ source host) or --base-url.\n';
    const text =
      `Exported ${result.versions} version(s) of ${result.providers} provider(s) to ${result.location} ` +
      `(${counts.written} written, ${counts.unchanged} unchanged, ${counts.removed} removed).\n` +
      mirror +
      (sink === undefined
        ? 'Serve it with the nginx block of `signet export static --print-nginx-config --out DIR` (application/json for the documents without an extension).\n'
        : 'Each object carries its Content-Type and Cache-Control: serve the bucket as it is, or through a CDN.\n');
    return { json: { ok: true, location: result.location, ...counts }, text, exitCode: EXIT.ok };
  },
};
