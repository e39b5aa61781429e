import { resolve } from 'node:path';

import { publishRelease, RegistryError, ReleaseInvalidError, type PublishEvent } from '@signet/client';
import { readReleaseFiles, type Problem } from '@signet/core';

import { optionalString, requireString, type Command } from '../command';
import { connectRegistry, REGISTRY_OPTIONS, REGISTRY_USAGE } from '../registry-connection';
import { EXIT, UsageError } from '../context';
import { readKeyFile } from '../key-files';
import { formatProblems, formatSize } from '../render';
import { parseOptionalIdentity } from './package';
import { formatReport } from './validate';

export const publish: Command = {
  summary: 'validate a release folder, upload it to a Signet registry and publish it (validated again on the server)',
  usage: `Usage: signet publish DIR --registry URL --namespace NS [--key public.asc] [--draft]
                      [--name NAME] [--version VERSION] [--protocols 6.0] [--ca-file ca.pem] [--json]

Validates the release first, exactly as \`signet validate\` does (with --key when given): with any error
it prints the same report and exits 1 before contacting the registry. Then creates the namespace's provider
and a draft version as needed, uploads the release's files (a re-run skips files already uploaded), and
publishes; the registry validates again and answers with every problem. --draft stops before publishing. --key registers the signing key's public
half if the namespace lacks it; without it, the namespace key that verifies the signature is used.
Exit code 1 when the release or the registry reports problems.

${REGISTRY_USAGE}`,
  options: {
    ...REGISTRY_OPTIONS,
    namespace: { type: 'string' },
    key: { type: 'string' },
    draft: { type: 'boolean' },
    name: { type: 'string' },
    version: { type: 'string' },
    protocols: { type: 'string', multiple: true },
  },
  async run(args, context) {
    const [dir, extra] = args.positionals;
    if (dir === undefined) throw new UsageError('Missing DIR: the release folder to publish (dist/).');
    if (extra !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}.`);
    const client = await connectRegistry(args, context);
    try {
      const identity = parseOptionalIdentity(args);
      const keyPath = optionalString(args, 'key');
      const lines: string[] = [];
      const log = (line: string) => {
        lines.push(line);
        if (context.stderr.isTTY === true && args.values.json !== true) context.stderr.write(`${line}\n`);
      };
      const result = await publishRelease({
        client,
        namespace: requireString(args, 'namespace'),
        files: await readReleaseFiles([resolve(context.cwd, dir)]),
        name: identity.name,
        version: identity.version,
        protocols: identity.protocols,
        publicKey: keyPath === undefined ? undefined : await readKeyFile(context, keyPath, '--key'),
        draft: args.values.draft === true,
        onProgress: (event: PublishEvent) => log(describe(event)),
      }).catch((error: unknown) => {
        if (error instanceof ReleaseInvalidError) return error;
        if (error instanceof RegistryError && error.status === 422) return error;
        throw error;
      });
      if (result instanceof ReleaseInvalidError) {
        // The same report as `signet validate` of these files; nothing reached the registry.
        return {
          json: result.report,
          text: `${formatReport(result.report)}Nothing was sent to the registry.\n`,
          exitCode: EXIT.problems,
        };
      }
      if (result instanceof RegistryError) {
        const problems = result.errors as Problem[];
        return {
          json: { ok: false, problems },
          text: `${lines.join('\n')}\n${formatProblems(problems)}FAILED: the registry refused to publish (${problems.filter((p) => p.severity !== 'warning').length} error(s)); the version stays a draft.\n`,
          exitCode: EXIT.problems,
        };
      }
      const host = new URL(client.url).host;
      const source = `${host}/${result.registryVersion.namespace}/${result.name}`;
      const state = result.alreadyPublished
        ? `Already published with identical bytes: nothing changed.`
        : args.values.draft === true
          ? `Draft ${source} ${result.version} is ready (${result.uploaded.length} uploaded, ${result.skipped.length} already there); publish it with: signet publish ${dir} --registry ${client.url} --namespace ${result.registryVersion.namespace}`
          : `Published ${source} ${result.version} (key ID ${result.keyId}; ${result.uploaded.length} uploaded, ${result.skipped.length} already there).`;
      const problems = (result.registryVersion.report?.problems ?? []) as Problem[];
      return {
        json: { ok: true, source, ...result },
        text: `${lines.join('\n')}${lines.length ? '\n' : ''}${formatProblems(problems)}${state}\n  source = "${source}"\n`,
        exitCode: EXIT.ok,
      };
    } finally {
      await client.close();
    }
  },
};

function describe(event: PublishEvent): string {
  switch (event.kind) {
    case 'step':
      return event.message;
    case 'upload':
      return `uploading ${event.fileName} (${formatSize(event.size)})`;
    case 'skip':
      return `already uploaded ${event.fileName}`;
  }
}
