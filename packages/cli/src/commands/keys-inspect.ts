import { hasErrors, type KeyInfo } from '@signet/core';

import type { Command } from '../command';
import { EXIT, UsageError } from '../context';
import { createColors } from '../colors';
import { readKeyFileInfo } from '../key-file-info';
import { formatProblems } from '../render';

export const keysInspect: Command = {
  summary: "show a key's ID, fingerprint, algorithm, expiry and compatibility",
  usage: `Usage: signet keys inspect FILE

Reads an armored or binary OpenPGP key (public or private; a private key is not decrypted) and says
whether tofu/terraform can verify signatures made with it. Exit code 1 when it cannot; 2 when FILE is no
OpenPGP key at all.`,
  json: 'print {ok, key, problems} as JSON: the key ID, fingerprint, algorithm, expiry and every problem',
  options: {},
  async run(args, context) {
    const [file, extra] = args.positionals;
    if (file === undefined) throw new UsageError('Missing FILE: the key file to inspect.');
    if (extra !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}.`);
    const key: KeyInfo = (await readKeyFileInfo(context, file, 'FILE')).info;
    const colors = createColors(context.stdout, context.env);
    const ok = !hasErrors(key.problems);
    return {
      json: { ok, key, problems: key.problems },
      exitCode: ok ? EXIT.ok : EXIT.problems,
      text:
        `key ID       ${key.keyId}\n` +
        `fingerprint  ${key.fingerprint}\n` +
        `algorithm    ${key.algorithm} (v${key.version})\n` +
        `user IDs     ${key.userIds.join(', ') || '-'}\n` +
        `created      ${key.created}\n` +
        `expires      ${key.expires ?? 'never'}${key.expired ? ' (expired)' : ''}\n` +
        `revoked      ${key.revoked ? 'yes' : 'no'}\n` +
        `type         ${key.isPrivate ? 'private' : 'public'}\n` +
        `tofu/terraform  ${key.compatible ? colors.ok('compatible') : colors.error('NOT compatible')}\n` +
        formatProblems(key.problems, colors),
    };
  },
};
