import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

import { parseDocument } from 'yaml';

import { SignetError } from './errors';
import { assertNamespace, assertProviderName, parseArtifactName } from './names';
import { parsePlatform } from './platforms';
import { normalizeProtocols, parseVersion } from './versions';

/** One packaging input: a binary, a zip or a folder, with its platform when the name does not say it. */
export interface ReleaseInput {
  path: string;
  platform?: string;
}

/** `signet.yaml`, validated, with every path absolute. */
export interface ReleaseConfig {
  namespace?: string;
  registry?: string;
  name: string;
  version: string;
  /** Private key file (armored or binary), absolute; when gpg_key is written as a key ID, the file it would be. */
  gpgKey?: string;
  /**
   * gpg_key as a key ID or fingerprint (16 or 40 upper-case hex, no `0x`) when it is written as one. It names a key
   * (in SIGNET_KEYRING or the gpg keyring) unless a file of that name exists beside signet.yaml: the file wins, so
   * no config that names a key file breaks.
   */
  gpgKeyId?: string;
  /**
   * The `files` entries that name what Signet writes rather than inputs (`SHA256SUMS`, `SHA256SUMS.sig`, as the
   * seed lists them), as written; absent when there are none. Signet writes them as
   * terraform-provider-NAME_VERSION_SHA256SUMS[.sig], so they are skipped, and the caller says so once.
   */
  outputEntries?: string[];
  protocols: string[];
  /** Platforms the release must have; absent means "whatever the files provide". */
  platforms?: string[];
  files: ReleaseInput[];
  outDir: string;
}

/** Where the text came from: relative paths resolve against `baseDir`; `fileName` prefixes every message. */
export interface ParseReleaseConfigOptions {
  baseDir: string;
  fileName: string;
}

const TOP_KEYS = ['namespace', 'registry', 'provider'];
const PROVIDER_KEYS = ['name', 'version', 'gpg_key', 'protocols', 'platforms', 'files', 'out'];

type Fail = (message: string) => never;

// A long key ID (16 hex) or a v4 fingerprint (40 hex), as gpg prints them, optionally 0x-prefixed. Short IDs
// (8 hex) are not taken: they collide easily, and gpg itself warns against them.
const KEY_ID_PATTERN = /^(?:0x)?([0-9a-f]{16}|[0-9a-f]{40})$/i;
const OUTPUT_ENTRIES = new Set(['SHA256SUMS', 'SHA256SUMS.sig']);

/**
 * Reads a key ID or fingerprint as signet.yaml's `gpg_key` and `signet sign --key-id` take it: 16 or 40 hex,
 * optionally `0x`-prefixed, any case. Returns it upper case without the prefix, or `undefined` when it is not one.
 */
export function parseKeyId(value: string): string | undefined {
  return KEY_ID_PATTERN.exec(value.trim())?.[1]?.toUpperCase();
}

/** Reads and validates `signet.yaml`; paths in it are relative to the file. */
export async function readReleaseConfig(path: string): Promise<ReleaseConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file; create it or pass -c PATH'
        : code === 'EISDIR'
          ? 'it is a folder; pass the signet.yaml inside it'
          : String(cause);
    throw new SignetError('CONFIG_INVALID', `Cannot read the release config ${JSON.stringify(path)}: ${why}.`, {
      cause,
    });
  }
  return parseReleaseConfig(text, { baseDir: dirname(resolve(path)), fileName: path });
}

/**
 * Parses `signet.yaml` text. Every error is `CONFIG_INVALID` and names the file and the key (`provider.version`).
 * Scalars are read as the strings written (YAML's failsafe schema plus null), the way a Go tool decodes into
 * string fields: `version: 1.10` stays "1.10" instead of becoming the number 1.1, and `name: no` stays "no".
 * An empty value or `~` counts as absent, so optional keys take their default. Unknown keys are errors: a typo
 * such as `verison` must not be silently ignored.
 */
export function parseReleaseConfig(text: string, options: ParseReleaseConfigOptions): ReleaseConfig {
  const fail: Fail = (message) => {
    throw new SignetError('CONFIG_INVALID', `${options.fileName}: ${message}`);
  };
  const root = asObject(parseYaml(text, fail), 'the document', fail);
  checkKeys(root, TOP_KEYS, '', fail);
  const provider = asObject(root.provider, 'provider', fail);
  checkKeys(provider, PROVIDER_KEYS, 'provider.', fail);
  const path = (key: string, value: unknown): string => resolve(options.baseDir, stringOf(value, key, fail));

  const config: ReleaseConfig = {
    name: check('provider.name', stringOf(provider.name, 'provider.name', fail), fail, assertProviderName),
    version: check('provider.version', stringOf(provider.version, 'provider.version', fail), fail, parseVersion),
    protocols: check(
      'provider.protocols',
      stringList(provider.protocols ?? ['6.0'], 'provider.protocols', fail),
      fail,
      normalizeProtocols,
    ),
    files: [],
    outDir: path('provider.out', provider.out ?? 'dist'),
  };
  const files = readFiles(provider.files, options.baseDir, fail);
  config.files = files.inputs;
  if (files.outputs.length > 0) config.outputEntries = files.outputs;
  if (provider.gpg_key != null) {
    config.gpgKey = path('provider.gpg_key', provider.gpg_key);
    const keyId = parseKeyId(provider.gpg_key as string);
    if (keyId !== undefined) config.gpgKeyId = keyId;
  }
  if (provider.platforms != null) config.platforms = readPlatforms(provider.platforms, fail);
  if (root.namespace != null)
    config.namespace = check('namespace', stringOf(root.namespace, 'namespace', fail), fail, assertNamespace);
  if (root.registry != null)
    config.registry = check('registry', stringOf(root.registry, 'registry', fail), fail, assertRegistryUrl);
  return config;
}

function parseYaml(text: string, fail: Fail): unknown {
  const document = parseDocument(text, {
    schema: 'failsafe',
    customTags: ['null'],
    uniqueKeys: true,
    prettyErrors: true,
  });
  const error = document.errors[0];
  if (error) {
    const where = error.linePos
      ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}`
      : 'an unknown position';
    const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const fix =
      error.code === 'DUPLICATE_KEY'
        ? 'keep one of the two'
        : 'fix the syntax there (indent with spaces, close brackets and quotes)';
    fail(`invalid YAML at ${where}: ${what}; ${fix}.`);
  }
  try {
    return document.toJS();
  } catch (error) {
    // Aliases are only resolved here: an anchor used before it is set, or an alias bomb, throws a ReferenceError.
    return fail(`invalid YAML: ${(error as Error).message}; define each &anchor once, before its *alias.`);
  }
}

/** Runs a core parser or assertion on a value and re-throws its message under the key path. */
function check<T>(where: string, value: T, fail: Fail, parse: (value: T) => T | void): T {
  try {
    return parse(value) ?? value;
  } catch (error) {
    return fail(`${where}: ${(error as Error).message}`);
  }
}

function readFiles(value: unknown, baseDir: string, fail: Fail): { inputs: ReleaseInput[]; outputs: string[] } {
  const hint = 'list the binaries, zips or dist/ folder to release, or map platforms to files ({linux_amd64: path})';
  if (value == null) return fail(`provider.files is missing; ${hint}.`);
  if (Array.isArray(value)) {
    if (value.length === 0) fail(`provider.files is empty; ${hint}.`);
    const items = value.map((item, i) => stringOf(item, `provider.files[${i}]`, fail));
    const outputs = items.filter(isOutputEntry);
    const inputs = items.filter((item) => !isOutputEntry(item)).map((item) => ({ path: resolve(baseDir, item) }));
    if (inputs.length === 0) {
      const names = outputs.map((o) => JSON.stringify(o)).join(', ');
      fail(`provider.files lists only ${names}, which name outputs Signet writes; ${hint}.`);
    }
    return { inputs, outputs };
  }
  const entries = Object.entries(asObject(value, 'provider.files', fail));
  if (entries.length === 0) fail(`provider.files is empty; ${hint}.`);
  const inputs = entries.map(([platform, path]) => {
    check(`provider.files.${platform}`, platform, fail, (p) => void parsePlatform(p));
    return { platform, path: resolve(baseDir, stringOf(path, `provider.files.${platform}`, fail)) };
  });
  return { inputs, outputs: [] };
}

// The seed lists the checksum file and its signature among the files, as a GoReleaser config does; Signet
// writes both itself, so such an entry names an output, never an input to package.
function isOutputEntry(entry: string): boolean {
  const name = basename(entry);
  const kind = parseArtifactName(name)?.kind;
  return OUTPUT_ENTRIES.has(name) || kind === 'shasums' || kind === 'signature';
}

function readPlatforms(value: unknown, fail: Fail): string[] {
  const platforms = stringList(value, 'provider.platforms', fail);
  if (platforms.length === 0)
    fail(
      'provider.platforms is empty; list the platforms the release must have, or remove the key to take those the files provide.',
    );
  platforms.forEach((platform, i) => {
    check(`provider.platforms[${i}]`, platform, fail, (p) => void parsePlatform(p));
    if (platforms.indexOf(platform) !== i)
      fail(`provider.platforms lists ${JSON.stringify(platform)} twice; keep one.`);
  });
  return platforms;
}

function assertRegistryUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error(`expected an http(s) URL such as "https://registry.example.com", found ${JSON.stringify(value)}.`);
  }
}

function asObject(value: unknown, where: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(`${where} is ${describe(value)}; expected a mapping.`);
  return value as Record<string, unknown>;
}

function checkKeys(object: Record<string, unknown>, allowed: readonly string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key))
      fail(
        `unknown key ${JSON.stringify(prefix + key)}; expected one of ${allowed.map((k) => prefix + k).join(', ')} (check the spelling and the indentation).`,
      );
  }
}

function stringOf(value: unknown, where: string, fail: Fail): string {
  if (typeof value !== 'string' || value === '')
    return fail(`${where} is ${describe(value)}; expected a non-empty string.`);
  return value;
}

function stringList(value: unknown, where: string, fail: Fail): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((item, i) => stringOf(item, `${where}[${i}]`, fail));
}

function describe(value: unknown): string {
  if (value == null) return 'missing or empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}
