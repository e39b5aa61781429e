import { resolve } from 'node:path';

import { publishRelease, RegistryError, ReleaseInvalidError, type PublishEvent } from '@signet/client';
import type { Problem } from '@signet/core';
import { readReleaseFiles } from '@signet/core/node';

import { optionalString, requireString, type Command } from '../command';
import { connectRegistry, REGISTRY_OPTIONS, REGISTRY_USAGE } from '../registry-connection';
import { EXIT, UsageError } from '../context';
import { createColors } from '../colors';
import { readKeyFileInfo } from '../key-file-info';
import { createProgress } from '../progress';
import { formatProblems, formatSize } from '../render';
import { parseOptionalIdentity } from './package';
import { formatReport } from './validate';

export const publish: Command = {
  summary: 'validate a release folder, upload it to a Signet registry and publish it (validated again on the server)',
  usage: `Usage: signet publish DIR --registry URL --namespace NS [--key public.asc] [--draft]
                      [--name NAME] [--version VERSION] [--protocols 6.0] [--ca-file ca.pem]

Validates the release first, exactly as \`signet validate\` does (with --key when given): with any error
it prints the same report and exits 1 before contacting the registry. Then creates the namespace's provider
and a draft version as needed, uploads the release's files (a re-run skips files already uploaded), and
publishes; the registry validates again and answers with every problem. --draft stops before publishing. --key registers the signing key's public
half if the namespace lacks it; without it, the namespace key that verifies the signature is used.
Exit code 1 when the release or the registry reports problems.

${REGISTRY_USAGE}`,
  json: 'print the result as JSON: the source address, key ID, files uploaded and skipped, and the registry report',
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
    const progress = createProgress(context, args.values.json === true);
    const colors = createColors(context.stdout, context.env);
    try {
      const identity = parseOptionalIdentity(args);
      const keyPath = optionalString(args, 'key');
      // What happened on the way (a namespace created, a key registered): a progress line on a terminal, else part
      // of the result; never both, so a terminal that shows stderr and stdout shows each once.
      const notes: string[] = [];
      let uploading = false;
      const note = (line: string) => (progress.enabled ? progress.note(line) : notes.push(line));
      const result = await publishRelease({
        client,
        namespace: requireString(args, 'namespace'),
        files: await readReleaseFiles([resolve(context.cwd, dir)]),
        name: identity.name,
        version: identity.version,
        protocols: identity.protocols,
        publicKey: keyPath === undefined ? undefined : (await readKeyFileInfo(context, keyPath, '--key')).data,
        draft: args.values.draft === true,
        onValidate: ({ files, bytes }) =>
          progress.phase('validating', `${files} files (hashing ${formatSize(bytes)})…`),
        onProgress: (event: PublishEvent) => {
          if (event.kind === 'step') note(event.message);
          else if (event.kind === 'upload' && !progress.enabled)
            notes.push(`uploaded ${event.fileName} (${formatSize(event.size)})`);
        },
        onUpload: (event) => {
          if (!uploading) progress.phase('uploading');
          uploading = true;
          progress.bytes(event.fileName, event.sent, event.total);
        },
      })
        .catch((error: unknown) => {
          if (error instanceof ReleaseInvalidError) return error;
          if (error instanceof RegistryError && error.status === 422) return error;
          throw error;
        })
        .finally(progress.done);
      const log = notes.map((line) => `${line}\n`).join('');
      if (result instanceof ReleaseInvalidError) {
        // The same report as `signet validate` of these files; nothing reached the registry.
        return {
          json: result.report,
          text: `${formatReport(result.report, colors)}Nothing was sent to the registry.\n`,
          exitCode: EXIT.problems,
        };
      }
      if (result instanceof RegistryError) {
        const problems = result.errors as Problem[];
        const errors = problems.filter((p) => p.severity !== 'warning').length;
        return {
          json: { ok: false, problems },
          text: `${log}${formatProblems(problems, colors)}${colors.error('FAILED')}: the registry refused to publish (${errors} error(s)); the version stays a draft.\n`,
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
        text: `${log}${formatProblems(problems, colors)}${state}\n  source = "${source}"\n`,
        exitCode: EXIT.ok,
      };
    } finally {
      await client.close();
    }
  },
};
