import type { RegistryClient } from '@signet/client';
import { readPublicKeyArmored } from '@signet/core';

import { requireString, stringList, type Command, type ParsedArgs } from '../command';
import { EXIT, UsageError, type CliContext } from '../context';
import { readKeyFileInfo } from '../key-file-info';
import { connectRegistry, REGISTRY_OPTIONS, REGISTRY_USAGE } from '../registry-connection';

// Commands for a registry's namespaces, tokens and keys, over its management API (SIGNET_TOKEN).

/** Runs `fn` with a registry client from the command's flags, and closes the client afterwards. */
async function withClient<T>(
  args: ParsedArgs,
  context: CliContext,
  fn: (client: RegistryClient) => Promise<T>,
): Promise<T> {
  const client = await connectRegistry(args, context);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function one(args: ParsedArgs, what: string): string {
  const [value, extra] = args.positionals;
  if (value === undefined) throw new UsageError(`Missing ${what}.`);
  if (extra !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}.`);
  return value;
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map(
      (r) =>
        `${r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

export const namespacesCreate: Command = {
  summary: 'create a namespace (admin token)',
  usage: `Usage: signet namespaces create NAME [--private] --registry URL\n\nA private namespace's providers need a read token to install. ${REGISTRY_USAGE}`,
  options: { ...REGISTRY_OPTIONS, private: { type: 'boolean' } },
  async run(args, context) {
    const name = one(args, 'NAME: the namespace to create');
    return withClient(args, context, async (client) => {
      const ns = await client.createNamespace({
        name,
        visibility: args.values.private === true ? 'private' : 'public',
      });
      return { json: ns, text: `Created ${ns.visibility} namespace ${ns.name}.\n`, exitCode: EXIT.ok };
    });
  },
};

export const namespacesList: Command = {
  summary: 'list the namespaces the token can see',
  usage: `Usage: signet namespaces list --registry URL\n\n${REGISTRY_USAGE}`,
  options: REGISTRY_OPTIONS,
  async run(args, context) {
    return withClient(args, context, async (client) => {
      const list = await client.listNamespaces();
      return { json: list, text: table(list.map((n) => [n.name, n.visibility, n.created_at])), exitCode: EXIT.ok };
    });
  },
};

export const tokensCreate: Command = {
  summary: 'create a token (admin token); its secret is printed once',
  usage: `Usage: signet tokens create --role admin|publish|read [--namespace NS]... [--name NAME] --registry URL\n\npublish and read tokens are scoped to the namespaces given. ${REGISTRY_USAGE}`,
  options: {
    ...REGISTRY_OPTIONS,
    role: { type: 'string' },
    namespace: { type: 'string', multiple: true },
    name: { type: 'string' },
  },
  async run(args, context) {
    const role = requireString(args, 'role');
    if (role !== 'admin' && role !== 'publish' && role !== 'read') {
      throw new UsageError(`--role ${JSON.stringify(role)}: expected admin, publish or read.`);
    }
    const namespaces = stringList(args, 'namespace') ?? [];
    const name = typeof args.values.name === 'string' ? args.values.name : `${role} ${namespaces.join(',') || 'all'}`;
    return withClient(args, context, async (client) => {
      const token = await client.createToken({ name, role, namespaces });
      return {
        json: token,
        text: `Created ${role} token ${token.id}${namespaces.length ? ` for ${namespaces.join(', ')}` : ''}. Its secret (shown only now):\n${token.token}\n`,
        exitCode: EXIT.ok,
      };
    });
  },
};

export const tokensList: Command = {
  summary: 'list tokens (admin token); secrets are never shown',
  usage: `Usage: signet tokens list --registry URL\n\n${REGISTRY_USAGE}`,
  options: REGISTRY_OPTIONS,
  async run(args, context) {
    return withClient(args, context, async (client) => {
      const list = await client.listTokens();
      const rows = list.map((t) => [
        t.id,
        t.role,
        t.namespaces.join(',') || '*',
        t.name,
        t.revoked_at ? `revoked ${t.revoked_at}` : 'active',
      ]);
      return { json: list, text: table(rows), exitCode: EXIT.ok };
    });
  },
};

export const tokensRevoke: Command = {
  summary: 'revoke a token (admin token)',
  usage: `Usage: signet tokens revoke ID --registry URL\n\n${REGISTRY_USAGE}`,
  options: REGISTRY_OPTIONS,
  async run(args, context) {
    const id = one(args, 'ID: the token to revoke (signet tokens list)');
    return withClient(args, context, async (client) => {
      const result = await client.revokeToken(id);
      return {
        json: result,
        text: result.revoked ? `Revoked ${id}.\n` : `${id} was already revoked.\n`,
        exitCode: EXIT.ok,
      };
    });
  },
};

export const keysAdd: Command = {
  summary: 'add a GPG public key to a registry namespace',
  usage: `Usage: signet keys add FILE --namespace NS --registry URL\n\nThe key ID is computed from the key; keys tofu/terraform cannot read are refused. Only the public half\nis ever sent. ${REGISTRY_USAGE}`,
  options: { ...REGISTRY_OPTIONS, namespace: { type: 'string' } },
  async run(args, context) {
    const file = one(args, 'FILE: the public key (public.asc)');
    const namespace = requireString(args, 'namespace');
    const { data, info } = await readKeyFileInfo(context, file, 'FILE');
    return withClient(args, context, async (client) => {
      // A private key file is reduced to its public half here: secret material never leaves this machine.
      const key = await client.addKey(namespace, { ascii_armor: await readPublicKeyArmored(data) });
      const note = info.isPrivate ? ' (only its public half was sent)' : '';
      return { json: key, text: `Added key ${key.key_id} to ${namespace}${note}.\n`, exitCode: EXIT.ok };
    });
  },
};

export const keysList: Command = {
  summary: "list a registry namespace's GPG keys",
  usage: `Usage: signet keys list --namespace NS --registry URL\n\n${REGISTRY_USAGE}`,
  options: { ...REGISTRY_OPTIONS, namespace: { type: 'string' } },
  async run(args, context) {
    const namespace = requireString(args, 'namespace');
    return withClient(args, context, async (client) => {
      const list = await client.listKeys(namespace);
      return { json: list, text: table(list.map((k) => [k.key_id, k.fingerprint, k.created_at])), exitCode: EXIT.ok };
    });
  },
};

export const keysRemove: Command = {
  summary: 'remove a GPG key from a registry namespace',
  usage: `Usage: signet keys remove KEY_ID --namespace NS --registry URL\n\nPublished versions keep serving the key they were signed with. ${REGISTRY_USAGE}`,
  options: { ...REGISTRY_OPTIONS, namespace: { type: 'string' } },
  async run(args, context) {
    const keyId = one(args, 'KEY_ID: the key to remove');
    const namespace = requireString(args, 'namespace');
    return withClient(args, context, async (client) => {
      const result = await client.deleteKey(namespace, keyId);
      if (!result.deleted) {
        // Nothing was removed: a typo in the key ID must not pass for success in a script.
        throw new UsageError(
          `Namespace ${JSON.stringify(namespace)} has no key ${JSON.stringify(keyId)}; see its keys with: signet keys list --namespace ${namespace}`,
          'NOT_FOUND',
        );
      }
      return { json: result, text: `Removed ${keyId} from ${namespace}.\n`, exitCode: EXIT.ok };
    });
  },
};
