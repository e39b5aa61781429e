import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { parseDocument, type Document } from 'yaml';

import { SignetError } from './errors';
import { assertNamespace, assertProviderName } from './names';
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
  /** Private key file (armored or binary). */
  gpgKey?: string;
  protocols: string[];
  platforms?: string[];
  files: ReleaseInput[];
  outDir: string;
}

const TOP_KEYS = ['namespace', 'registry', 'provider'];
const PROVIDER_KEYS = ['name', 'version', 'gpg_key', 'protocols', 'platforms', 'files', 'out'];

/** Reads and validates `signet.yaml`; paths in it are relative to the file. */
export async function readReleaseConfig(path: string): Promise<ReleaseConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SignetError('CONFIG_INVALID', `Cannot read ${JSON.stringify(path)}: no such file (create signet.yaml or pass -c PATH).`, {
      cause,
    });
  }
  return parseReleaseConfig(text, { baseDir: dirname(resolve(path)), fileName: path });
}

/** Parses `signet.yaml` text; every error names the file and the key (`provider.version`). */
export function parseReleaseConfig(text: string, options: { baseDir: string; fileName: string }): ReleaseConfig {
  const fail = (message: string): never => {
    throw new SignetError('CONFIG_INVALID', `${options.fileName}: ${message}`);
  };
  const document: Document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax) fail(`invalid YAML at line ${syntax.linePos?.[0]?.line ?? '?'}, column ${syntax.linePos?.[0]?.col ?? '?'}: ${syntax.message.split('\n')[0]}`);
  const data: unknown = document.toJS();
  const root = asObject(data, 'the document', fail);
  checkKeys(root, TOP_KEYS, '', fail);
  const provider = asObject(root.provider, 'provider', fail);
  checkKeys(provider, PROVIDER_KEYS, 'provider.', fail);

  const field = (key: string, check: (value: string) => unknown): string => {
    const value = provider[key];
    if (typeof value !== 'string' && typeof value !== 'number') fail(`provider.${key} is ${describe(value)}; expected a string.`);
    try {
      const result = check(String(value));
      return typeof result === 'string' ? result : String(value);
    } catch (error) {
      return fail(`provider.${key}: ${(error as Error).message}`);
    }
  };
  const name = field('name', assertProviderName);
  const version = field('version', parseVersion);
  const config: ReleaseConfig = {
    name,
    version,
    protocols: wrap(fail, 'provider.protocols', () => normalizeProtocols(stringList(provider.protocols ?? ['6.0'], 'provider.protocols', fail))),
    files: readFiles(provider.files, options.baseDir, fail),
    outDir: resolve(options.baseDir, provider.out === undefined ? 'dist' : stringOf(provider.out, 'provider.out', fail)),
  };
  if (provider.gpg_key !== undefined) config.gpgKey = resolve(options.baseDir, stringOf(provider.gpg_key, 'provider.gpg_key', fail));
  if (provider.platforms !== undefined) {
    config.platforms = stringList(provider.platforms, 'provider.platforms', fail);
    for (const platform of config.platforms) wrap(fail, 'provider.platforms', () => parsePlatform(platform));
  }
  if (root.namespace !== undefined) {
    config.namespace = stringOf(root.namespace, 'namespace', fail);
    wrap(fail, 'namespace', () => assertNamespace(config.namespace!));
  }
  if (root.registry !== undefined) {
    const registry = stringOf(root.registry, 'registry', fail);
    if (!/^https?:\/\/[^\s/]+/.test(registry)) fail(`registry is ${JSON.stringify(registry)}; expected a URL such as "https://registry.example.com".`);
    config.registry = registry;
  }
  return config;
}

type Fail = (message: string) => never;

function readFiles(value: unknown, baseDir: string, fail: Fail): ReleaseInput[] {
  if (value === undefined) fail('provider.files is missing; list the binaries, zips or dist/ folder to release.');
  if (Array.isArray(value)) {
    if (value.length === 0) fail('provider.files is empty; list the binaries, zips or dist/ folder to release.');
    return value.map((item, i) => ({ path: resolve(baseDir, stringOf(item, `provider.files[${i}]`, fail)) }));
  }
  const map = asObject(value, 'provider.files', fail);
  return Object.entries(map).map(([platform, path]) => {
    wrap(fail, `provider.files.${platform}`, () => parsePlatform(platform));
    return { platform, path: resolve(baseDir, stringOf(path, `provider.files.${platform}`, fail)) };
  });
}

function asObject(value: unknown, where: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`${where} is ${describe(value)}; expected a mapping.`);
  }
  return value as Record<string, unknown>;
}

function checkKeys(object: Record<string, unknown>, allowed: readonly string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) fail(`unknown key ${JSON.stringify(prefix + key)}; expected one of ${allowed.map((k) => prefix + k).join(', ')}.`);
  }
}

function stringOf(value: unknown, where: string, fail: Fail): string {
  if (typeof value !== 'string' || value === '') return fail(`${where} is ${describe(value)}; expected a non-empty string.`);
  return value;
}

function stringList(value: unknown, where: string, fail: Fail): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => (typeof item === 'number' ? String(item) : stringOf(item, `${where}[${i}]`, fail)));
}

function wrap<T>(fail: Fail, where: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    return fail(`${where}: ${(error as Error).message}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  return `${typeof value} ${JSON.stringify(value)}`;
}
