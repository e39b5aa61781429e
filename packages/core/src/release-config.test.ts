import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isSignetError } from './errors';
import { parseKeyId, parseReleaseConfig, readReleaseConfig } from './release-config';

const BASE = '/work/project';
const OPTIONS = { baseDir: BASE, fileName: 'signet.yaml' };

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isSignetError(error)) return error;
    throw error;
  }
  throw new Error('expected a SignetError, nothing was thrown');
}

function configError(text: string): string {
  const error = errorOf(() => parseReleaseConfig(text, OPTIONS));
  expect(error.code).toBe('CONFIG_INVALID');
  expect(error.message).toMatch(/^signet\.yaml: /);
  return error.message;
}

const MINIMAL = 'provider:\n  name: hello\n  version: 1.0.0\n  files: [dist]\n';

describe('parseReleaseConfig', () => {
  it('reads the full seed shape with every path made absolute', () => {
    const text = `
namespace: acme
registry: https://registry.example.com
provider:
  name: hello
  version: v1.2.0
  gpg_key: ./keys/private.asc
  protocols: [6, "5.0"]
  platforms: [linux_amd64, darwin_arm64]
  files:
    - linux_amd64/hello_v1.2.0
    - ../build/darwin_arm64
  out: release
`;
    expect(parseReleaseConfig(text, OPTIONS)).toEqual({
      namespace: 'acme',
      registry: 'https://registry.example.com',
      name: 'hello',
      version: '1.2.0',
      gpgKey: '/work/project/keys/private.asc',
      protocols: ['5.0', '6.0'],
      platforms: ['linux_amd64', 'darwin_arm64'],
      files: [{ path: '/work/project/linux_amd64/hello_v1.2.0' }, { path: '/work/build/darwin_arm64' }],
      outDir: '/work/project/release',
    });
  });

  it('defaults protocols to 6.0 and out to dist next to the file; empty values count as absent', () => {
    expect(parseReleaseConfig(MINIMAL, OPTIONS)).toEqual({
      name: 'hello',
      version: '1.0.0',
      protocols: ['6.0'],
      files: [{ path: '/work/project/dist' }],
      outDir: '/work/project/dist',
    });
    const withEmpties = parseReleaseConfig(`namespace:\n${MINIMAL}  out: ~\n  protocols:\n  gpg_key: null\n`, OPTIONS);
    expect(withEmpties).toEqual(parseReleaseConfig(MINIMAL, OPTIONS));
  });

  it('accepts files as a platform map', () => {
    const config = parseReleaseConfig(
      'provider:\n  name: hello\n  version: 1.0.0\n  files:\n    linux_amd64: build/out\n    windows_amd64: build/out.exe\n',
      OPTIONS,
    );
    expect(config.files).toEqual([
      { platform: 'linux_amd64', path: '/work/project/build/out' },
      { platform: 'windows_amd64', path: '/work/project/build/out.exe' },
    ]);
  });

  it("reads the seed's signet.yaml verbatim: protocol 5, a key ID, SHA256SUMS and .sig entries as outputs", () => {
    const seed = `provider:
  name: myprovider
  version: 1.0.0
  gpg_key: 0x3AA5C34371567BD2
  protocols: ["5"]
  files:
    - darwin_arm64/myprovider_v1.0.0
    - darwin_amd64/myprovider_v1.0.0
    - linux_amd64/myprovider_v1.0.0
    - windows_amd64/myprovider_v1.0.0
    - SHA256SUMS
    - SHA256SUMS.sig
`;
    expect(parseReleaseConfig(seed, OPTIONS)).toEqual({
      name: 'myprovider',
      version: '1.0.0',
      protocols: ['5.0'],
      gpgKey: '/work/project/0x3AA5C34371567BD2',
      gpgKeyId: '3AA5C34371567BD2',
      files: ['darwin_arm64', 'darwin_amd64', 'linux_amd64', 'windows_amd64'].map((platform) => ({
        path: `/work/project/${platform}/myprovider_v1.0.0`,
      })),
      outputEntries: ['SHA256SUMS', 'SHA256SUMS.sig'],
      outDir: '/work/project/dist',
    });
  });

  it("takes Signet's own checksum file names, in any folder, as outputs too", () => {
    const text = `${MINIMAL}`.replace(
      'files: [dist]',
      'files: [bin, out/terraform-provider-hello_1.0.0_SHA256SUMS, out/terraform-provider-hello_1.0.0_SHA256SUMS.sig]',
    );
    const config = parseReleaseConfig(text, OPTIONS);
    expect(config.files).toEqual([{ path: '/work/project/bin' }]);
    expect(config.outputEntries).toEqual([
      'out/terraform-provider-hello_1.0.0_SHA256SUMS',
      'out/terraform-provider-hello_1.0.0_SHA256SUMS.sig',
    ]);
  });

  it('refuses files that list only outputs, saying they are outputs', () => {
    expect(
      configError('provider:\n  name: hello\n  version: 1.0.0\n  files: [SHA256SUMS, SHA256SUMS.sig]\n'),
    ).toContain(
      'provider.files lists only "SHA256SUMS", "SHA256SUMS.sig", which name outputs Signet writes; list the binaries',
    );
  });

  it('keeps a gpg_key path a path: no gpgKeyId unless it is written as 16 or 40 hex', () => {
    for (const value of ['./keys/private.asc', 'private.asc', 'DEADBEEF', '3AA5C34371567BD2.asc']) {
      const config = parseReleaseConfig(`${MINIMAL}  gpg_key: ${value}\n`, OPTIONS);
      expect(config.gpgKeyId, value).toBeUndefined();
      expect(config.gpgKey).toBe(`/work/project/${value.replace('./', '')}`);
    }
    const fingerprint = 'c2f1b0e8a1e4d5b6c7d8e9f0a1b2c3d43aa5c343';
    expect(parseReleaseConfig(`${MINIMAL}  gpg_key: ${fingerprint}\n`, OPTIONS).gpgKeyId).toBe(
      fingerprint.toUpperCase(),
    );
  });

  it('keeps scalars as written: version 1.10 is not the number 1.1, protocol 5.10 not 5.1', () => {
    expect(configError('provider:\n  name: hello\n  version: 1.10\n  files: [x]\n')).toContain(
      'provider.version: Invalid version "1.10"',
    );
    expect(parseReleaseConfig(`${MINIMAL}  protocols: [5.10]\n`, OPTIONS).protocols).toEqual(['5.10']);
    expect(parseReleaseConfig('provider:\n  name: no\n  version: 1.0.0\n  files: [x]\n', OPTIONS).name).toBe('no');
  });

  it.each([
    [
      'an unknown top-level key',
      `${MINIMAL}regsitry: x\n`,
      'unknown key "regsitry"; expected one of namespace, registry, provider',
    ],
    [
      'an unknown provider key',
      `${MINIMAL}  verison: 1.0.0\n`,
      'unknown key "provider.verison"; expected one of provider.name',
    ],
    ['no provider', 'namespace: acme\n', 'provider is missing or empty; expected a mapping'],
    ['a list document', '- a\n', 'the document is a list; expected a mapping'],
    ['an empty document', '', 'the document is missing or empty; expected a mapping'],
    [
      'no name',
      'provider:\n  version: 1.0.0\n  files: [x]\n',
      'provider.name is missing or empty; expected a non-empty string',
    ],
    [
      'a bad name',
      'provider:\n  name: Hello_World\n  version: 1.0.0\n  files: [x]\n',
      'provider.name: Invalid provider name "Hello_World"',
    ],
    [
      'a name as a list',
      'provider:\n  name: [a]\n  version: 1.0.0\n  files: [x]\n',
      'provider.name is a list; expected a non-empty string',
    ],
    [
      'build metadata',
      'provider:\n  name: hello\n  version: 1.0.0+abc\n  files: [x]\n',
      'provider.version: Invalid version "1.0.0+abc": build metadata',
    ],
    ['a bad protocol', `${MINIMAL}  protocols: [six]\n`, 'provider.protocols: Invalid protocol version "six"'],
    ['no protocols', `${MINIMAL}  protocols: []\n`, 'provider.protocols: No protocol versions given'],
    ['no files', 'provider:\n  name: hello\n  version: 1.0.0\n', 'provider.files is missing; list the binaries'],
    ['empty files', 'provider:\n  name: hello\n  version: 1.0.0\n  files: []\n', 'provider.files is empty'],
    [
      'a file as a mapping',
      'provider:\n  name: hello\n  version: 1.0.0\n  files: [{path: x}]\n',
      'provider.files[0] is a mapping; expected a non-empty string',
    ],
    [
      'an unknown platform key',
      'provider:\n  name: hello\n  version: 1.0.0\n  files: {linux-amd64: x}\n',
      'provider.files.linux-amd64: Unknown platform "linux-amd64"',
    ],
    [
      'a platform without a file',
      'provider:\n  name: hello\n  version: 1.0.0\n  files: {linux_amd64: }\n',
      'provider.files.linux_amd64 is missing or empty',
    ],
    [
      'an unknown platform',
      `${MINIMAL}  platforms: [linux_amd64, amiga_m68k]\n`,
      'provider.platforms[1]: Unknown platform "amiga_m68k"',
    ],
    [
      'a platform twice',
      `${MINIMAL}  platforms: [linux_amd64, linux_amd64]\n`,
      'provider.platforms lists "linux_amd64" twice',
    ],
    ['no platforms', `${MINIMAL}  platforms: []\n`, 'provider.platforms is empty'],
    ['a bad namespace', `namespace: Acme Corp\n${MINIMAL}`, 'namespace: Invalid namespace "Acme Corp"'],
    [
      'a registry that is no URL',
      `registry: registry.example.com\n${MINIMAL}`,
      'registry: expected an http(s) URL such as "https://registry.example.com", found "registry.example.com"',
    ],
    ['an ftp registry', `registry: ftp://example.com\n${MINIMAL}`, 'found "ftp://example.com"'],
    ['a duplicate key', `${MINIMAL}  name: other\n`, 'invalid YAML at line 5, column 3: Map keys must be unique'],
    ['a syntax error', 'provider:\n  name: [hello\n  version: 1.0.0\n', 'invalid YAML at line'],
    ['a tab indent', 'provider:\n\tname: hello\n', 'invalid YAML at line 2'],
  ])('refuses %s, naming the key', (_label, text, expected) => {
    expect(configError(text)).toContain(expected);
  });
});

describe('parseKeyId', () => {
  it.each([
    ['3aa5c34371567bd2', '3AA5C34371567BD2'],
    ['0x3AA5C34371567BD2', '3AA5C34371567BD2'],
    [' 0X3AA5C34371567BD2 ', '3AA5C34371567BD2'],
    ['C2F1B0E8A1E4D5B6C7D8E9F0A1B2C3D43AA5C343', 'C2F1B0E8A1E4D5B6C7D8E9F0A1B2C3D43AA5C343'],
  ])('reads %j as %s', (value, expected) => {
    expect(parseKeyId(value)).toBe(expected);
  });

  it.each(['71567BD2', '3AA5C34371567BD', '3AA5C34371567BD2X', 'seed@example.com', 'keys/3AA5C34371567BD2', ''])(
    'refuses %j',
    (value) => {
      expect(parseKeyId(value)).toBeUndefined();
    },
  );
});

describe('parseReleaseConfig YAML syntax errors', () => {
  it.each([
    ['a tab indent', 'provider:\n\tname: hello\n', 'line 2, column 1: Tabs are not allowed as indentation'],
    ['an unclosed quote', 'provider:\n  name: "hello\n', 'line 3, column 1: Missing closing "quote'],
    ['an unclosed flow sequence', 'provider:\n  name: [hello\n  version: 1.0.0\n', 'line 3, column 3: Flow sequence'],
  ])('gives the line and column of %s and how to fix it', (_label, text, where) => {
    const message = configError(text);
    expect(message).toContain(`invalid YAML at ${where}`);
    expect(message).toContain('fix the syntax there (indent with spaces, close brackets and quotes)');
  });

  it('reports an alias to an unknown anchor, and an alias bomb, as CONFIG_INVALID', () => {
    expect(configError('provider:\n  name: *x\n')).toContain('invalid YAML: Unresolved alias');
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'provider: {name: hello, version: 1.0.0, files: *c}',
    ].join('\n');
    expect(configError(bomb)).toContain('invalid YAML: Excessive alias count');
  });

  it('tells to keep one of two duplicate keys', () => {
    expect(configError(`${MINIMAL}  name: other\n`)).toContain('Map keys must be unique; keep one of the two.');
  });
});

describe('readReleaseConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-config-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(
      join(dir, 'sub', 'signet.yaml'),
      'provider:\n  name: hello\n  version: 1.0.0\n  gpg_key: key.asc\n  files: [bin]\n',
    );
    await writeFile(
      join(dir, 'sub', 'map.yaml'),
      'namespace: acme\nprovider:\n  name: hello\n  version: v2.0.0-rc.1\n  protocols: 5\n  files:\n    linux_arm64: ../build/hello\n  out: out\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves paths against the folder of the file', async () => {
    const config = await readReleaseConfig(join(dir, 'sub', 'signet.yaml'));
    expect(config.gpgKey).toBe(join(dir, 'sub', 'key.asc'));
    expect(config.files).toEqual([{ path: join(dir, 'sub', 'bin') }]);
    expect(config.outDir).toBe(join(dir, 'sub', 'dist'));
  });

  it('reads the map form of files from disk, relative to the file', async () => {
    expect(await readReleaseConfig(join(dir, 'sub', 'map.yaml'))).toEqual({
      namespace: 'acme',
      name: 'hello',
      version: '2.0.0-rc.1',
      protocols: ['5.0'],
      files: [{ platform: 'linux_arm64', path: join(dir, 'build', 'hello') }],
      outDir: join(dir, 'sub', 'out'),
    });
  });

  it('says when the file is missing or a folder', async () => {
    await expect(readReleaseConfig(join(dir, 'nope.yaml'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('no such file; create it or pass -c PATH'),
    });
    await expect(readReleaseConfig(join(dir, 'sub'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('it is a folder'),
    });
  });

  it('prefixes errors with the path as given', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'provider: {}\n');
    await expect(readReleaseConfig(path)).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^${path}: provider.name is missing`)),
    });
  });
});
