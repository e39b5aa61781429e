// What `signet serve` prints once it listens: every snippet in it is meant to be pasted as it stands (HCL that
// terraform parses, shell lines a POSIX shell runs), so the blocks are multi-line and the paths shell-quoted.

/** A provider the registry serves, as its banner names it. */
export interface BannerProvider {
  namespace: string;
  type: string;
  private: boolean;
}

export interface ServeBannerInput {
  /** `https://localhost:8443` */
  url: string;
  /** The provider source host: `localhost:8443`. */
  host: string;
  dataDir: string;
  /** The CA terraform must trust; undefined with --tls-cert (the caller's own CA) or --no-tls. */
  caFile: string | undefined;
  /** The admin token made by this start: the only time it is shown. */
  generatedAdmin: string | undefined;
  /** The admin token is SIGNET_ADMIN_TOKEN. */
  adminFromEnv: boolean;
  /** Providers with a published version, in the order to list them. */
  providers: BannerProvider[];
  /** Private namespaces, with or without providers: they need a credentials block. */
  privateNamespaces: string[];
}

/** At most this many providers in the printed `required_providers` block; the rest are counted. */
export const BANNER_PROVIDER_LIMIT = 5;

/** The namespace and type of the example the banner names while nothing is published. */
const EXAMPLE = { namespace: 'acme', type: 'hello' };

/** The banner, ending with a newline. */
export function formatServeBanner(input: ServeBannerInput): string {
  const { url, host, dataDir, caFile } = input;
  const caFlag = caFile === undefined ? '' : ` --ca-file ${quoteShell(caFile)}`;
  const sections = [
    `Signet registry on ${url} (data in ${dataDir})\n${formatAdminLine(input)}`,
    `Publish a release folder (SIGNET_TOKEN: an admin or publish token):\n` +
      `  ${formatTokenPrefix(input)}signet publish dist/ --registry ${url} --namespace ${EXAMPLE.namespace} --key public.asc${caFlag}`,
    caFile === undefined
      ? 'For terraform/tofu, the registry must be reached over HTTPS with a certificate the machine trusts\n' +
        '(with --tls-cert: its CA in the system store, or SSL_CERT_FILE).'
      : `For terraform/tofu on this machine, trust the local CA in the shell that runs terraform init:\n` +
        `  export SSL_CERT_FILE=${quoteShell(caFile)}`,
    `In the root module (e.g. main.tf), the providers by their address on this registry:\n${indent(formatRequiredProviders(host, input.providers))}`,
    formatCliConfig(input, caFlag),
    'Stop with Ctrl-C.',
  ];
  return `${sections.join('\n\n')}\n`;
}

function formatAdminLine(input: ServeBannerInput): string {
  if (input.generatedAdmin !== undefined) return `Admin token (shown only now; keep it): ${input.generatedAdmin}`;
  if (input.adminFromEnv) return 'Admin token: SIGNET_ADMIN_TOKEN.';
  return 'Admin token: the one printed at first start (or set SIGNET_ADMIN_TOKEN).';
}

/** A prefix that makes the command runnable as pasted when the shell already holds the admin token. */
function formatTokenPrefix(input: ServeBannerInput): string {
  return input.adminFromEnv ? 'SIGNET_TOKEN="$SIGNET_ADMIN_TOKEN" ' : '';
}

/** A `terraform { required_providers { … } }` block, several lines, that terraform parses. */
export function formatRequiredProviders(host: string, providers: BannerProvider[]): string {
  const lines: string[] = [];
  if (providers.length === 0) {
    lines.push(
      `    # Nothing is published yet. A provider "${EXAMPLE.type}" published with --namespace ${EXAMPLE.namespace} installs as:`,
      ...formatProviderEntry(EXAMPLE.type, `${host}/${EXAMPLE.namespace}/${EXAMPLE.type}`),
    );
  } else {
    const shown = providers.slice(0, BANNER_PROVIDER_LIMIT);
    const localNames = chooseLocalNames(shown);
    shown.forEach((p, i) => lines.push(...formatProviderEntry(localNames[i]!, `${host}/${p.namespace}/${p.type}`)));
    const more = providers.length - shown.length;
    if (more > 0) lines.push(`    # and ${more} more, the same way: NAME = { source = "${host}/NAMESPACE/TYPE" }`);
  }
  return ['terraform {', '  required_providers {', ...lines, '  }', '}'].join('\n');
}

function formatProviderEntry(localName: string, source: string): string[] {
  return [`    ${localName} = {`, `      source = ${JSON.stringify(source)}`, '    }'];
}

/**
 * Local names must differ within one module: the type alone while it is unique, else `NAMESPACE-TYPE` (both
 * follow terraform's name rules, letters, digits and single dashes, so the joined name does too).
 */
function chooseLocalNames(providers: BannerProvider[]): string[] {
  const count = new Map<string, number>();
  for (const p of providers) count.set(p.type, (count.get(p.type) ?? 0) + 1);
  return providers.map((p) => (count.get(p.type) === 1 ? p.type : `${p.namespace}-${p.type}`));
}

function formatCliConfig(input: ServeBannerInput, caFlag: string): string {
  const { host, url } = input;
  const mirror = [
    '# Network mirror, for provider hostnames without a port (e.g. registry.example.com/acme/hello):',
    '# provider_installation {',
    '#   network_mirror {',
    `#     url     = "${url}/mirror/"`,
    '#     include = ["registry.example.com/*/*"]',
    '#   }',
    '#   direct {',
    '#     exclude = ["registry.example.com/*/*"]',
    '#   }',
    '# }',
  ];
  const where = 'CLI config (TF_CLI_CONFIG_FILE or ~/.terraformrc)';
  if (input.privateNamespaces.length === 0) {
    const template = [`# credentials "${host}" {`, '#   token = "<a read token of the private namespace>"', '# }'];
    return (
      `${where}: nothing is needed for public namespaces.\n` +
      `A private one (signet namespaces create NAME --private) needs a read token in a credentials block:\n` +
      indent([...template, ...mirror].join('\n'))
    );
  }
  const namespaces = input.privateNamespaces.map((ns) => `--namespace ${ns}`).join(' ');
  return (
    `Private namespaces here (${input.privateNamespaces.join(', ')}) need a read token in the ${where}.\n` +
    `Make one (its secret is printed once; SIGNET_TOKEN: an admin token):\n` +
    `  ${formatTokenPrefix(input)}signet tokens create --role read ${namespaces} --registry ${url}${caFlag}\n` +
    `and put it in the CLI config in place of <READ_TOKEN>:\n` +
    indent([`credentials "${host}" {`, '  token = "<READ_TOKEN>"', '}', ...mirror].join('\n'))
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** A word a POSIX shell reads back as `value`: as it is when it holds no special character, else single-quoted. */
export function quoteShell(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
