// What the Local registry area shows to copy: the source address, the CLI configuration and the environment,
// and after an export the filesystem_mirror block. Each snippet is meant to be pasted as it stands (HCL that
// terraform 1.11 parses, a line a POSIX shell runs); see terraform-protocol.md §0.1, §0.13 and §4.
import type { PublishedProvider } from '@signet/registry/local';

const EXAMPLE = { namespace: 'acme', type: 'hello' };
/** A port-less host for the network-mirror example: terraform cannot use a mirror for `localhost:PORT/…` (§0.1). */
const MIRROR_EXAMPLE_HOST = 'registry.example.com';

/** `localhost:PORT/NS/TYPE` of the first published provider, or the example's address. */
export function formatSourceAddress(host: string, providers: readonly PublishedProvider[]): string {
  const first = providers[0] ?? EXAMPLE;
  return `${host}/${first.namespace}/${first.type}`;
}

export interface CliConfigurationInput {
  url: string;
  host: string;
  /** A read token of the private namespaces, when there are any. */
  readToken: { secret: string; namespaces: string[] } | undefined;
}

/**
 * Sources on this registry (`localhost:PORT/NS/TYPE`) install directly and need no provider_installation at all;
 * the network-mirror block serves providers under a port-less host name from this registry, with disjoint
 * include/exclude so a miss falls back to direct installation cleanly (§0.13). A credentials block is added only
 * while a namespace is private, with a read-only token (never the admin token).
 */
export function formatCliConfiguration(input: CliConfigurationInput): string {
  const lines = [
    `# Sources on this registry (${input.host}/NAMESPACE/TYPE) install directly: only SSL_CERT_FILE is needed.`,
    `# To install providers of another host (without a port) from this registry's network mirror:`,
    'provider_installation {',
    '  network_mirror {',
    `    url     = ${formatHclString(`${input.url}/mirror/`)}`,
    `    include = [${formatHclString(`${MIRROR_EXAMPLE_HOST}/*/*`)}]`,
    '  }',
    '  direct {',
    `    exclude = [${formatHclString(`${MIRROR_EXAMPLE_HOST}/*/*`)}]`,
    '  }',
    '}',
  ];
  if (input.readToken !== undefined) {
    lines.push(
      '',
      `# Private namespaces (${input.readToken.namespaces.join(', ')}): a read-only token for them.`,
      `credentials ${formatHclString(input.host)} {`,
      `  token = ${formatHclString(input.readToken.secret)}`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `export SSL_CERT_FILE=…` for the shell that runs terraform/tofu. */
export function formatEnvironment(caFile: string | null): string {
  if (caFile === null) return '# The local CA is made on the first start of the registry.\n';
  return `export SSL_CERT_FILE=${quoteShell(caFile)}\n`;
}

/** The provider_installation block that installs from an exported filesystem mirror. */
export function formatFilesystemMirror(folder: string): string {
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path = ${formatHclString(folder)}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A POSIX shell word: as it is when plain, else single-quoted (the CLI banner's rule). */
export function quoteShell(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** An HCL string literal: JSON's escapes, plus HCL's template sequences `${` and `%{` escaped. */
export function formatHclString(value: string): string {
  return JSON.stringify(value).replaceAll('${', '$${').replaceAll('%{', '%%{');
}
