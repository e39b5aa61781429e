import { resolve } from 'node:path';

import {
  packageRelease,
  readReleaseConfig,
  readReleaseFiles,
  selectReleaseFiles,
  signRelease,
  validateRelease,
} from '@signet/core';

import { optionalString, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { loadPrivateKey } from '../key-files';
import { createProgress } from '../progress';
import { formatPackageResult } from './package';
import { formatReport } from './validate';

export const release: Command = {
  summary: 'package + sign + validate, from signet.yaml',
  usage: `Usage: signet release [-c signet.yaml] [--key private.asc]

Reads signet.yaml (provider: name, version, gpg_key, protocols, files), packages every platform,
writes SHA256SUMS, signs it (passphrase from SIGNET_GPG_PASSPHRASE) and validates the result.
--key overrides provider.gpg_key.`,
  options: { config: { type: 'string', short: 'c' }, key: { type: 'string' } },
  async run(args, context) {
    if (args.positionals.length > 0)
      throw new UsageError(`Unexpected argument ${JSON.stringify(args.positionals[0])}.`);
    const config = await readReleaseConfig(resolve(context.cwd, optionalString(args, 'config') ?? 'signet.yaml'));
    const keyPath = optionalString(args, 'key') ?? config.gpgKey;
    if (keyPath === undefined) {
      throw new UsageError(
        'No signing key: set provider.gpg_key in signet.yaml or pass --key private.asc.',
        'CONFIG_INVALID',
      );
    }
    // Unlock the key first: a wrong passphrase should fail before any packaging work.
    const privateKey = await loadPrivateKey(
      context,
      keyPath,
      optionalString(args, 'key') ? '--key' : 'provider.gpg_key',
    );
    const progress = createProgress(context, args.values.json === true);
    const packaged = await packageRelease({
      name: config.name,
      version: config.version,
      protocols: config.protocols,
      inputs: config.files,
      outDir: config.outDir,
      platforms: config.platforms,
      onProgress: (event) => progress.update('packaging', event.done, event.total),
    }).finally(progress.done);
    const files = async () => selectReleaseFiles(await readReleaseFiles([config.outDir]), config.name, config.version);
    const signed = await signRelease(await files(), privateKey);
    const report = await validateRelease({
      files: await files(),
      name: config.name,
      version: config.version,
      protocols: config.protocols,
      keys: [privateKey.toPublic().armor()],
      requiredPlatforms: config.platforms,
    });
    return {
      json: { ok: report.ok, package: packaged, signature: signed.signature.path, report },
      text: `${formatPackageResult(packaged)}  ${signed.signature.fileName}\n\n${formatReport(report)}`,
      exitCode: report.ok ? EXIT.ok : EXIT.problems,
    };
  },
};
