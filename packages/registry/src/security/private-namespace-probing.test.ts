// Attack: probing a private namespace without read rights to learn what it holds. An unknown provider or file
// answered 404 and an existing one 401, so anyone could list `corp`'s providers, versions and platforms. Without a
// token every path under a private namespace is the same 401, with a token lacking rights the same 403; only a
// caller with read rights learns what exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openPublishedRegistry, type PublishedRegistry } from './published-registry';

const SUMS = 'terraform-provider-secret_1.0.0_SHA256SUMS';

// [path, exists]
const PATHS: [string, boolean][] = [
  ['/v1/providers/corp/secret/versions', true],
  ['/v1/providers/corp/nothing/versions', false],
  ['/v1/providers/corp/terraform-provider-x/versions', false],
  ['/v1/providers/corp/secret/1.0.0/download/linux/amd64', true],
  ['/v1/providers/corp/secret/1.0.0/download/freebsd/arm', false],
  ['/v1/providers/corp/secret/9.9.9/download/linux/amd64', false],
  ['/v1/providers/corp/secret/v1.0.0/download/linux/amd64', false],
  ['/v1/providers/corp/nothing/1.0.0/download/linux/amd64', false],
  ['/mirror/localhost/corp/secret/index.json', true],
  ['/mirror/localhost/corp/secret/1.0.0.json', true],
  ['/mirror/localhost/corp/secret/9.9.9.json', false],
  ['/mirror/localhost/corp/nothing/index.json', false],
  ['/mirror/localhost/corp/secret/x.txt', false],
  [`/v1/files/corp/secret/1.0.0/${SUMS}`, true],
  ['/v1/files/corp/secret/1.0.0/terraform-provider-secret_1.0.0_freebsd_arm.zip', false],
  ['/v1/files/corp/secret/9.9.9/terraform-provider-secret_9.9.9_SHA256SUMS', false],
  ['/v1/files/corp/nothing/1.0.0/terraform-provider-nothing_1.0.0_SHA256SUMS', false],
  ['/v1/files/corp/secret/1.0.0/constructor', false],
];

let registry: PublishedRegistry;
beforeAll(async () => {
  registry = await openPublishedRegistry();
});
afterAll(async () => {
  await registry?.close();
});

async function answers(token: string | null): Promise<{ path: string; status: number; body: string }[]> {
  return Promise.all(
    PATHS.map(async ([path]) => {
      const res = await registry.call('GET', path, { token });
      return { path, status: res.status, body: await res.text() };
    }),
  );
}

describe('security: a private namespace reveals nothing without read rights', () => {
  it('answers every path the same 401 without a token, whether or not it exists', async () => {
    const got = await answers(null);
    const first = got[0]!;
    expect(first.status).toBe(401);
    for (const answer of got) expect({ ...answer, path: first.path }, answer.path).toEqual(first);
  });

  it('answers every path the same 403 with a token of another namespace, or an unknown token', async () => {
    for (const token of [registry.otherToken, 'signet_unknown']) {
      const got = await answers(token);
      const first = got[0]!;
      expect(first.status).toBe(403);
      for (const answer of got) expect({ ...answer, path: first.path }, answer.path).toEqual(first);
    }
  });

  it('tells a reader what exists and what does not', async () => {
    const got = await answers(registry.readToken);
    expect(got.map((a) => [a.path, a.status])).toEqual(PATHS.map(([path, exists]) => [path, exists ? 200 : 404]));
  });

  it('an unknown namespace is a 404 as before; a public one keeps answering without a token', async () => {
    expect((await registry.call('GET', '/v1/providers/nobody/secret/versions', { token: null })).status).toBe(404);
    expect((await registry.call('GET', '/v1/providers/acme/nothing/versions', { token: null })).status).toBe(404);
    expect((await registry.call('GET', '/v1/providers/acme/hello/versions', { token: null })).status).toBe(200);
  });
});
