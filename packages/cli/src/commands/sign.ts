import { resolve } from 'node:path';

import { readReleaseFiles, signRelease } from '@signet/core/node';

import { optionalString, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { parseKeyIdFlag, resolveSigningKey, type SigningKeyRef } from '../signing-key';

export const sign: Command = {
  summary: 'sign SHA256SUMS with a key file or a key ID (passphrase from SIGNET_GPG_PASSPHRASE)',
  usage: `Usage: signet sign (--key private.asc | --key-id KEY_ID) DIR

Writes a binary detached signature terraform-provider-NAME_VERSION_SHA256SUMS.sig next to the
SHA256SUMS file in DIR, once it verifies with the key's public half. --key is a private key file,
unlocked with SIGNET_GPG_PASSPHRASE (never a flag). --key-id is a key ID or fingerprint (16 or 40
hex, optionally 0x): looked up in SIGNET_KEYRING, then in the gpg keyring (GNUPGHOME), whose gpg
signs (--local-user, its agent and pinentry; SIGNET_GPG_PASSPHRASE, when set, is given on stdin).`,
  json: 'print the signature written and the key (ID and where it came from) as JSON',
  options: { key: { type: 'string' }, 'key-id': { type: 'string' } },
  async run(args, context) {
    const ref = keyRefOf(optionalString(args, 'key'), optionalString(args, 'key-id'));
    const [dir, extra] = args.positionals;
    if (dir === undefined) throw new UsageError('Missing DIR: the folder holding SHA256SUMS.');
    if (extra !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}.`);
    const key = await resolveSigningKey(context, ref);
    const files = await readReleaseFiles([resolve(context.cwd, dir)]);
    const result = await signRelease(files, key.signer);
    return {
      json: {
        ok: true,
        keyId: key.keyId,
        source: key.source,
        shasums: result.shasums.path,
        signature: result.signature.path,
      },
      text: `Signed ${result.shasums.fileName} with key ${key.keyId}${key.source === 'file' ? '' : ` (${key.source})`}\n  ${result.signature.path}\n`,
      exitCode: EXIT.ok,
    };
  },
};

function keyRefOf(file: string | undefined, keyId: string | undefined): SigningKeyRef {
  if (file !== undefined && keyId !== undefined)
    throw new UsageError('Give either --key FILE or --key-id KEY_ID, not both.');
  if (file !== undefined) return { file, flag: '--key' };
  if (keyId !== undefined) return parseKeyIdFlag(keyId);
  throw new UsageError('Missing --key FILE or --key-id KEY_ID: the key to sign with.');
}
