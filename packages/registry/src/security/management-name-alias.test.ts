// Attack: a management path with a name terraform would refuse: `acme%00anything` (SQLite stops at the NUL and
// finds `acme`), `ac--me`, `xn--acme`, `terraform-provider-x`, a version spelled `v1.0.0` or with build metadata, a
// key ID or token ID with a NUL. Each was looked up as another record's alias (or as nothing, after a store query).
// Now every name in every management path is checked against terraform's rules first: a 400 NAME_INVALID that
// says what was expected, and the store is never asked. Creation refuses the same names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { watchStore } from './published-registry';
import { FILES, openDraftRegistry, refusal, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
let watched: ReturnType<typeof watchStore>;

beforeAll(async () => {
  registry = await openDraftRegistry({
    wrapMetadata: (metadata) => {
      watched = watchStore(metadata);
      return watched.store;
    },
  });
  await registry.createDraft('1.0.0', { files: true });
});
afterAll(async () => {
  await registry.close();
});

const BAD_NAMESPACES = ['acme%00anything', 'ac--me', 'xn--acme', 'ACME', '-acme', 'a'.repeat(65)];
const BAD_TYPES = ['hello%00x', 'he--llo', 'terraform-provider-x', 'terraform-x', 'Hello'];
const BAD_VERSIONS = ['1.0.0%00x', 'v1.0.0', '1.0.0+build', '01.0.0', '1.0', `1.0.0-${'a'.repeat(130)}`];
const ZIP = 'terraform-provider-hello_1.0.0_linux_amd64.zip';

function managementPaths(ns: string, type: string, version: string): [string, string][] {
  const v = `/api/v1/providers/${ns}/${type}/versions`;
  return [
    ['GET', `/api/v1/namespaces/${ns}`],
    ['GET', `/api/v1/namespaces/${ns}/keys`],
    ['GET', `/api/v1/namespaces/${ns}/providers`],
    ['GET', v],
    ['GET', `${v}/${version}`],
    ['DELETE', `${v}/${version}`],
    ['PUT', `${v}/${version}/files/${ZIP.replace('1.0.0', version)}`],
    ['DELETE', `${v}/${version}/files/${ZIP.replace('1.0.0', version)}`],
    ['POST', `${v}/${version}/publish`],
    ['POST', `${v}/${version}/yank`],
  ];
}

describe('management paths: names are checked against terraform’s rules before any lookup', () => {
  const cases = [
    ...BAD_NAMESPACES.flatMap((ns) => managementPaths(ns, 'hello', '1.0.0')),
    ...BAD_TYPES.flatMap((type) => managementPaths('acme', type, '1.0.0').filter(([, p]) => p.includes(type))),
    ...BAD_VERSIONS.flatMap((version) =>
      managementPaths('acme', 'hello', version).filter(([, p]) => p.includes(version)),
    ),
  ];

  it.each(cases)('%s %s is a 400 NAME_INVALID, and the store is never asked about it', async (method, path) => {
    const before = watched.args().length;
    const res = await registry.call(
      method,
      path,
      method === 'POST' ? { json: {} } : { body: method === 'PUT' ? 'x' : undefined },
    );
    const { status, codes } = await refusal(res);
    expect({ status, codes }).toEqual({ status: 400, codes: expect.arrayContaining(['NAME_INVALID']) as unknown });
    expect(watched.args().slice(before)).toEqual([]);
  });

  it('names what was expected and what was found', async () => {
    const res = await registry.call('GET', '/api/v1/namespaces/acme%00anything');
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toContain('expected a namespace terraform accepts');
    expect(body.errors[0]!.message).toContain(JSON.stringify('acme\0anything'));
  });

  it('refuses a NUL in a key ID or a token ID instead of deleting the record it shortens to', async () => {
    const keyId = registry.releases.get('1.0.0')!.keyId;
    expect((await refusal(await registry.call('DELETE', `/api/v1/namespaces/acme/keys/${keyId}%00x`))).status).toBe(
      400,
    );
    expect(
      (await registry.call('GET', '/api/v1/namespaces/acme/keys').then((r) => r.json())) as unknown[],
    ).toHaveLength(1);
    const created = await registry.call('POST', '/api/v1/tokens', {
      json: { name: 'ci', role: 'read', namespaces: ['acme'] },
    });
    const { id } = (await created.json()) as { id: string };
    expect((await refusal(await registry.call('DELETE', `/api/v1/tokens/${id}%00x`))).status).toBe(400);
    const tokens = (await (await registry.call('GET', '/api/v1/tokens')).json()) as {
      id: string;
      revoked_at?: string;
    }[];
    expect(tokens.find((t) => t.id === id)?.revoked_at).toBeUndefined();
  });

  it('refuses to create what terraform would refuse at init, and to scope a token to such a name', async () => {
    for (const name of ['ac--me', 'xn--acme', 'acme\u0000x']) {
      expect((await refusal(await registry.call('POST', '/api/v1/namespaces', { json: { name } }))).status).toBe(400);
    }
    for (const type of ['terraform-provider-x', 'he--llo']) {
      const res = await registry.call('POST', '/api/v1/namespaces/acme/providers', { json: { type } });
      expect(await refusal(res)).toEqual({ status: 400, codes: ['NAME_INVALID'] });
    }
    const token = await registry.call('POST', '/api/v1/tokens', {
      json: { name: 'alias', role: 'read', namespaces: ['acme\u0000x'] },
    });
    expect((await refusal(token)).status).toBe(400);
    const namespaces = (await (await registry.call('GET', '/api/v1/namespaces')).json()) as { name: string }[];
    expect(namespaces.map((n) => n.name)).toEqual(['acme']);
  });

  it('still serves the real names', async () => {
    expect((await registry.call('GET', `${FILES}/1.0.0?report=false`)).status).toBe(200);
  });
});
