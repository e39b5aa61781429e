import { relative, resolve } from 'node:path';

import {
  packageRelease,
  readReleaseConfig,
  readReleaseFiles,
  selectReleaseFiles,
  signRelease,
  validateRelease,
} from '@signet/core/node';

import { optionalString, type Command, type ParsedArgs } from '../command';
import { EXIT, UsageError } from '../context';
import { createColors } from '../colors';
import { createProgress } from '../progress';
import { parseKeyIdFlag, refOfReleaseConfig, resolveSigningKey, type SigningKeyRef } from '../signing-key';
import { formatPackageResult } from './package';
import { describeValidation, formatReport } from './validate';

export const release: Command = {
  summary: 'package + sign + validate, from signet.yaml',
  usage: `Usage: signet release [-c signet.yaml] [--key private.asc | --key-id KEY_ID]

Reads signet.yaml (provider: name, version, gpg_key, protocols, files), packages every platform,
writes SHA256SUMS, signs it and validates the result. --key or --key-id overrides provider.gpg_key.
A key file is unlocked with SIGNET_GPG_PASSPHRASE. A key ID or fingerprint (16 or 40 hex) is looked
up in SIGNET_KEYRING, then in the gpg keyring, whose gpg signs (its agent asks for the passphrase,
or it comes from SIGNET_GPG_PASSPHRASE). The signature is verified before it is written.`,
  json: 'print what was packaged, the signature, the key (ID and where it came from), notes and the validation report',
  options: { config: { type: 'string', short: 'c' }, key: { type: 'string' }, 'key-id': { type: 'string' } },
  async run(args, context) {
    if (args.positionals.length > 0)
      throw new UsageError(`Unexpected argument ${JSON.stringify(args.positionals[0])}.`);
    const configPath = optionalString(args, 'config') ?? 'signet.yaml';
    const config = await readReleaseConfig(resolve(context.cwd, configPath));
    const ref = keyFlagOf(args) ?? (await refOfReleaseConfig(config));
    if (ref === undefined) {
      throw new UsageError(
        'No signing key: set provider.gpg_key in signet.yaml (a key file or a key ID) or pass --key private.asc or --key-id KEY_ID.',
        'CONFIG_INVALID',
      );
    }
    const notes =
      config.outputEntries === undefined ? [] : [outputsNote(configPath, config.outputEntries, config, context.cwd)];
    for (const note of notes) context.stderr.write(`signet: note: ${note}\n`);
    // Find and unlock the key first: a wrong passphrase or an unknown key ID should fail before any packaging.
    const key = await resolveSigningKey(context, ref);
    const progress = createProgress(context, args.values.json === true);
    progress.phase('packaging');
    const packaged = await packageRelease({
      name: config.name,
      version: config.version,
      protocols: config.protocols,
      inputs: config.files,
      outDir: config.outDir,
      platforms: config.platforms,
      onProgress: (event) => progress.count(event.done, event.total, 'platforms'),
    }).finally(() => progress.done());
    const files = async () => selectReleaseFiles(await readReleaseFiles([config.outDir]), config.name, config.version);
    progress.phase('signing', `SHA256SUMS with key ${key.keyId}…`);
    const signed = await signRelease(await files(), key.signer).finally(progress.done);
    const released = await files();
    if (progress.enabled) progress.phase('validating', await describeValidation(released));
    const report = await validateRelease({
      files: released,
      name: config.name,
      version: config.version,
      protocols: config.protocols,
      keys: [key.publicKey],
      requiredPlatforms: config.platforms,
    }).finally(progress.done);
    return {
      json: {
        ok: report.ok,
        package: packaged,
        signature: signed.signature.path,
        key: { keyId: key.keyId, source: key.source },
        notes,
        report,
      },
      text: `${formatPackageResult(packaged)}  ${signed.signature.fileName}\n\n${formatReport(report, createColors(context.stdout, context.env))}`,
      exitCode: report.ok ? EXIT.ok : EXIT.problems,
    };
  },
};

function keyFlagOf(args: ParsedArgs): SigningKeyRef | undefined {
  const file = optionalString(args, 'key');
  const keyId = optionalString(args, 'key-id');
  if (file !== undefined && keyId !== undefined)
    throw new UsageError('Give either --key FILE or --key-id KEY_ID, not both.');
  if (file !== undefined) return { file, flag: '--key' };
  return keyId === undefined ? undefined : parseKeyIdFlag(keyId);
}

// The seed lists SHA256SUMS and its .sig among the files, as a GoReleaser config would; they are what Signet
// writes, under the names terraform needs, so they are taken as outputs and the author is told once.
function outputsNote(
  configPath: string,
  entries: readonly string[],
  config: { name: string; version: string; outDir: string },
  cwd: string,
): string {
  const sums = `terraform-provider-${config.name}_${config.version}_SHA256SUMS`;
  const where = relative(cwd, config.outDir) || '.';
  return `${configPath} lists ${entries.map((e) => JSON.stringify(e)).join(' and ')} in provider.files: Signet writes them (as ${sums} and ${sums}.sig in ${where}/); the entries are taken as outputs.`;
}
