import { join, resolve } from 'node:path';

import { API_SCHEMAS, type RegistryClient } from '@signet/client';
import { exportMirror, storeMirrorSource, StoreLockedError, type MirrorSource } from '@signet/registry';
import { LocalRegistryDataMissingError, openLocalRegistryData } from '@signet/registry/local';

import { optionalString, requireString, stringList, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { createProgress } from '../progress';
import { connectRegistry, REGISTRY_OPTIONS, REGISTRY_USAGE } from '../registry-connection';

export const mirrorExport: Command = {
  summary: 'write a filesystem mirror (and static network-mirror JSON) of a registry',
  usage: `Usage: signet mirror export --out DIR (--registry URL | --data DIR) [--host HOST]
                            [--namespace NS]...

Writes every published (not yanked) version as a packed filesystem mirror:
  DIR/HOST/NS/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip
plus index.json and VERSION.json (with h1: and zh: hashes) beside the zips, so DIR works as a
\`filesystem_mirror { path = "DIR" }\`, and served over HTTPS as a static \`network_mirror\` (for
port-less host names). HOST is the providers' source host: by default the --registry URL's host
(with its port), or localhost:8443 with --data. --data reads a stopped \`signet serve\`'s folder;
--registry (or SIGNET_REGISTRY, when --data is not given) reads a running registry with SIGNET_TOKEN.
Re-running writes only what changed.

${REGISTRY_USAGE}`,
  json: 'print {ok, outDir, host, providers, versions, written, unchanged} as JSON',
  options: {
    ...REGISTRY_OPTIONS,
    out: { type: 'string' },
    data: { type: 'string' },
    host: { type: 'string' },
    namespace: { type: 'string', multiple: true },
  },
  async run(args, context) {
    const outDir = resolve(context.cwd, requireString(args, 'out'));
    const data = optionalString(args, 'data');
    // SIGNET_REGISTRY names the registry as for every registry command, unless --data says to read a folder.
    const registry = optionalString(args, 'registry') ?? (data === undefined ? context.env.SIGNET_REGISTRY : undefined);
    if (data !== undefined && registry !== undefined) {
      throw new UsageError('Give one of --registry URL (a running registry) or --data DIR (a stopped one), not both.');
    }
    if (data === undefined && registry === undefined) {
      throw new UsageError(
        'Missing the registry to export: --registry URL (or SIGNET_REGISTRY) for a running one, or --data DIR for a stopped one.',
      );
    }
    const only = stringList(args, 'namespace');
    const filter = (source: MirrorSource): MirrorSource => ({
      providers: async () => (await source.providers()).filter((p) => only === undefined || only.includes(p.namespace)),
      versions: (ns, type) => source.versions(ns, type),
    });
    const lines = createProgress(context, args.values.json === true);
    lines.phase('exporting');
    const progress = (message: string) => lines.status(message);

    let result;
    let host: string;
    try {
      if (data !== undefined) {
        host = optionalString(args, 'host') ?? 'localhost:8443';
        const dataDir = resolve(context.cwd, data);
        // Refused without signet.db: a mistyped --data would otherwise export nothing and say it went well.
        const store = await openLocalRegistryData(dataDir).catch((error: unknown) => {
          if (error instanceof LocalRegistryDataMissingError) {
            throw new UsageError(
              `--data ${JSON.stringify(data)} holds no \`signet serve\` data (no signet.db in ${dataDir}); give the --data folder of a signet serve.`,
              'INPUT_INVALID',
            );
          }
          if (error instanceof StoreLockedError) {
            throw new UsageError(
              `${dataDir} is in use by a running \`signet serve\`: stop it, or export from it with --registry.`,
              error.code,
            );
          }
          throw error;
        });
        try {
          const source = storeMirrorSource(store.metadata, store.blobs);
          result = await exportMirror({ source: filter(source), outDir, host, onProgress: progress });
        } finally {
          await store.close();
        }
      } else {
        const client = await connectRegistry(args, context);
        try {
          host = optionalString(args, 'host') ?? new URL(client.url).host;
          result = await exportMirror({
            source: filter(clientMirrorSource(client)),
            outDir,
            host,
            onProgress: progress,
          });
        } finally {
          await client.close();
        }
      }
    } finally {
      lines.done();
    }
    const text =
      `Exported ${result.versions} version(s) of ${result.providers} provider(s) to ${join(outDir, host)} ` +
      `(${result.written} zip(s) written, ${result.unchanged} unchanged).\n` +
      `Use it with:\n  provider_installation {\n    filesystem_mirror {\n      path = "${outDir}"\n    }\n  }\n`;
    return { json: { ok: true, outDir, host, ...result }, text, exitCode: EXIT.ok };
  },
};

/** Reads published versions through the registry's own network-mirror documents and file URLs. */
function clientMirrorSource(client: RegistryClient): MirrorSource {
  return {
    async providers() {
      const namespaces = await client.listNamespaces();
      const lists = await Promise.all(namespaces.map((ns) => client.listProviders(ns.name)));
      return lists.flat().map((p) => ({ namespace: p.namespace, type: p.type }));
    },
    async versions(namespace, type) {
      const versions = (await client.listVersions(namespace, type)).filter((v) => v.state === 'published' && !v.yanked);
      return Promise.all(
        versions.map(async (v) => {
          const doc = await client.getJson(
            `/mirror/export/${namespace}/${type}/${v.version}.json`,
            API_SCHEMAS.MirrorVersion,
          );
          return {
            version: v.version,
            archives: Object.entries(doc.archives).map(([platform, archive]) => {
              const zh = archive.hashes.find((h) => h.startsWith('zh:'));
              if (zh === undefined)
                throw new Error(
                  `The registry's mirror document for ${namespace}/${type} ${v.version} has no zh: hash.`,
                );
              return {
                platform,
                fileName: decodeURIComponent(archive.url.split('?')[0]!.split('/').pop()!),
                hashes: archive.hashes,
                sha256: zh.slice(3),
                open: () => client.download(archive.url),
              };
            }),
          };
        }),
      );
    },
  };
}
