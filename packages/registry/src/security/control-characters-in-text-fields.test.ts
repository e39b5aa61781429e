// Attack: a text field with a NUL or another control character (`ci\u0000admin`, an ESC sequence, a `\r` that
// rewrites a terminal line, a bidi override) is stored, then shown shortened or disguised: SQLite's text
// functions, terminals and log lines stop at the NUL or obey the escape. Every text a request body carries is
// refused with a 400 that names the field and the character, and nothing is stored.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildExampleRelease, openTestRegistry, type ExampleRelease, type TestRegistry } from '../testing';

let dir: string;
let registry: TestRegistry;
let release: ExampleRelease;

async function call(method: string, path: string, json?: unknown, bytes?: Uint8Array) {
  const headers: Record<string, string> = { authorization: `Bearer ${registry.adminToken}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  if (bytes !== undefined) headers['content-type'] = 'application/octet-stream';
  const response = await registry.app.request(path, {
    method,
    headers,
    body: json === undefined ? bytes : JSON.stringify(json),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const versionPath = '/api/v1/providers/acme/hello/versions/1.0.0';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-control-chars-'));
  registry = await openTestRegistry(join(dir, 'data'));
  release = await buildExampleRelease(join(dir, 'release'));
  expect((await call('POST', '/api/v1/namespaces', { name: 'acme' })).status).toBe(201);
  expect((await call('POST', '/api/v1/namespaces/acme/keys', { ascii_armor: release.publicKeyArmored })).status).toBe(
    201,
  );
  expect((await call('POST', '/api/v1/namespaces/acme/providers', { type: 'hello' })).status).toBe(201);
  expect(
    (
      await call('POST', '/api/v1/providers/acme/hello/versions', {
        version: '1.0.0',
        protocols: ['6.0'],
        key_id: release.keyId,
      })
    ).status,
  ).toBe(201);
  // Deprecation is for published versions.
  for (const file of release.files) {
    const put = await call('PUT', `${versionPath}/files/${file.fileName}`, undefined, await readFile(file.path));
    expect(put.status).toBe(201);
  }
  expect((await call('POST', `${versionPath}/publish`)).status).toBe(200);
});
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

const HOSTILE: [what: string, text: string][] = [
  ['a NUL', 'ci\u0000admin'],
  ['an ESC sequence', 'ci\u001b[2Kadmin'],
  ['a carriage return', 'ci\radmin'],
  ['DEL', 'ci\u007fadmin'],
  ['a C1 control', 'ci\u0085admin'],
  ['a bidi override', 'ci\u202eadmin'],
  ['a line separator', 'ci\u2028admin'],
  ['a lone surrogate', 'ci\ud800admin'],
];

function expectRefused(answer: { status: number; json: Record<string, unknown> }, field: string) {
  expect(answer.status).toBe(400);
  expect(answer.json.errors).toEqual(
    expect.arrayContaining([
      { code: 'REQUEST_INVALID', message: expect.stringMatching(new RegExp(`^json\\.${field}: .*control character`)) },
    ]),
  );
}

describe('security: control characters in text fields', () => {
  it.each(HOSTILE)('a token name with %s is refused and no token is made', async (_what, text) => {
    expectRefused(await call('POST', '/api/v1/tokens', { name: text, role: 'read' }), 'name');
    const tokens = (await call('GET', '/api/v1/tokens')).json as unknown as { name: string }[];
    expect(tokens.filter((t) => t.name.startsWith('ci'))).toEqual([]);
  });

  it.each(HOSTILE)('a deprecation message with %s is refused and the version is unchanged', async (_what, text) => {
    expectRefused(await call('POST', `${versionPath}/deprecate`, { message: `Use 2.0: ${text}` }), 'message');
    expect((await call('GET', `${versionPath}?report=false`)).json.deprecation).toBeUndefined();
  });

  it('a deprecation message keeps its line breaks and tabs', async () => {
    const message = 'Use 2.0.\n\tIt fixes the login bug.';
    expect((await call('POST', `${versionPath}/deprecate`, { message })).status).toBe(200);
    expect((await call('GET', `${versionPath}?report=false`)).json.deprecation).toBe(message);
    expect((await call('POST', `${versionPath}/deprecate`, { message: null })).status).toBe(200);
  });

  it.each([
    ['source', { source: 'gpg\u0000 --export' }],
    ['source_url', { source_url: 'https://example.com/key\u0000.asc' }],
    ['source_url', { source_url: 'https://exa\tmple.com/key.asc' }],
    ['key_id', { key_id: 'EB5B\u000013043272A77E' }],
  ])('a key with a control character in %s is refused', async (field, extra) => {
    const answer = await call('POST', '/api/v1/namespaces/acme/keys', {
      ascii_armor: release.publicKeyArmored,
      ...extra,
    });
    expectRefused(answer, field);
  });

  it.each([
    ['a namespace', '/api/v1/namespaces', { name: 'acme\u0000x' }, 'name'],
    ['a token scope', '/api/v1/tokens', { name: 'ci', role: 'read', namespaces: ['acme\u0000x'] }, 'namespaces.0'],
    ['a provider type', '/api/v1/namespaces/acme/providers', { type: 'hello\u0000x' }, 'type'],
    [
      'a version',
      '/api/v1/providers/acme/hello/versions',
      { version: '2.0.0\u0000x', protocols: ['6.0'], key_id: 'x' },
      'version',
    ],
    [
      'a protocol',
      '/api/v1/providers/acme/hello/versions',
      { version: '2.0.0', protocols: ['6.0\u0000'], key_id: 'x' },
      'protocols.0',
    ],
  ])('%s with a NUL in the body is refused, not stored under a shortened name', async (_what, path, body, field) => {
    expectRefused(await call('POST', path, body), field.replace('.', '\\.'));
    const namespaces = (await call('GET', '/api/v1/namespaces')).json as unknown as { name: string }[];
    expect(namespaces.map((n) => n.name)).toEqual(['acme']);
    expect((await call('GET', '/api/v1/namespaces/acme/providers')).json).toHaveLength(1);
    expect((await call('GET', '/api/v1/providers/acme/hello/versions')).json).toHaveLength(1);
  });
});
