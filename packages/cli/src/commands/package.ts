import { resolve } from 'node:path';

import { assertProviderName, normalizeProtocols, parseVersion } from '@signet/core';
import { packageRelease, type PackageResult } from '@signet/core/node';

import { optionalString, requireString, stringList, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { createProgress } from '../progress';
import { formatSize } from '../render';

export const packageCommand: Command = {
  summary: 'zip binaries for every platform, write the manifest and SHA256SUMS',
  usage: `Usage: signet package --name NAME --version VERSION [--protocols 6.0] [--platform os_arch]... --out DIR INPUT...

INPUT is a binary in an os_arch/ folder (linux_amd64/NAME_v1.2.3), a ready zip
(terraform-provider-NAME_1.2.3_linux_amd64.zip), or a folder such as a GoReleaser dist/.
--platform restricts the release to the given platforms and fails when one is missing.`,
  json: 'print the files written (name, path, size, sha256, zh:, h1:) as JSON',
  options: {
    name: { type: 'string' },
    version: { type: 'string' },
    protocols: { type: 'string', multiple: true },
    platform: { type: 'string', multiple: true },
    out: { type: 'string' },
  },
  async run(args, context) {
    const name = requireString(args, 'name');
    assertProviderName(name);
    const version = parseVersion(requireString(args, 'version'));
    const protocols = normalizeProtocols(stringList(args, 'protocols') ?? ['6.0']);
    const outDir = resolve(context.cwd, requireString(args, 'out'));
    if (args.positionals.length === 0)
      throw new UsageError('Missing INPUT: binaries, zips or a dist/ folder to package.');
    const json = args.values.json === true;
    const progress = createProgress(context, json);
    progress.phase('packaging');
    const result = await packageRelease({
      name,
      version,
      protocols,
      outDir,
      inputs: args.positionals.map((path) => ({ path: resolve(context.cwd, path) })),
      platforms: stringList(args, 'platform'),
      onProgress: (event) => progress.count(event.done, event.total, 'platforms'),
    }).finally(progress.done);
    return { json: { ok: true, ...result }, text: formatPackageResult(result), exitCode: EXIT.ok };
  },
};

/** The files written, one line each, for people. */
export function formatPackageResult(result: PackageResult): string {
  const lines = result.files.map((f) => `  ${f.fileName}  ${formatSize(f.size)}  ${f.sha256}\n`);
  return `Packaged ${result.name} ${result.version} (protocols ${result.protocols.join(', ')}) into ${result.outDir}\n${lines.join('')}`;
}

/** Name, version and protocol flags shared by package and validate, parsed the same way. */
export function parseOptionalIdentity(args: Parameters<Command['run']>[0]) {
  const name = optionalString(args, 'name');
  if (name !== undefined) assertProviderName(name);
  const version = optionalString(args, 'version');
  const protocols = stringList(args, 'protocols');
  return {
    name,
    version: version === undefined ? undefined : parseVersion(version),
    protocols: protocols === undefined ? undefined : normalizeProtocols(protocols),
  };
}
