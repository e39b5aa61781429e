import { resolve } from 'node:path';

import { readReleaseFiles, signRelease } from '@signet/core';

import { requireString, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { loadPrivateKey } from '../key-files';

export const sign: Command = {
  summary: 'sign SHA256SUMS (passphrase from SIGNET_GPG_PASSPHRASE)',
  usage: `Usage: signet sign --key private.asc DIR

Writes a binary detached signature terraform-provider-NAME_VERSION_SHA256SUMS.sig next to the
SHA256SUMS file in DIR. The key's passphrase comes from SIGNET_GPG_PASSPHRASE (never a flag).`,
  options: { key: { type: 'string' } },
  async run(args, context) {
    const keyPath = requireString(args, 'key');
    const [dir, extra] = args.positionals;
    if (dir === undefined) throw new UsageError('Missing DIR: the folder holding SHA256SUMS.');
    if (extra !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}.`);
    const privateKey = await loadPrivateKey(context, keyPath);
    const files = await readReleaseFiles([resolve(context.cwd, dir)]);
    const result = await signRelease(files, privateKey);
    const keyId = privateKey.getKeyID().toHex().toUpperCase();
    return {
      json: { ok: true, keyId, shasums: result.shasums.path, signature: result.signature.path },
      text: `Signed ${result.shasums.fileName} with key ${keyId}\n  ${result.signature.path}\n`,
      exitCode: EXIT.ok,
    };
  },
};
