import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateKey } from '@signet/core';
import { validateRelease } from '@signet/core/node';
import { deflatedZeros, writeRawZip } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildExampleRelease, openTestRegistry, type ExampleRelease, type TestRegistry } from './testing';

const dirs: string[] = [];
async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-app-'));
  dirs.push(dir);
  return dir;
}

let registry: TestRegistry;
let release: ExampleRelease;

async function call(
  method: string,
  path: string,
  options: { token?: string | null; json?: unknown; body?: string | Uint8Array; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? registry.adminToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  return await registry.app.request(path, { method, headers, body });
}

async function upload(ns: string, type: string, version: string, fileName: string, bytes: Uint8Array, token?: string) {
  return call('PUT', `/api/v1/providers/${ns}/${type}/versions/${version}/files/${fileName}`, {
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
    ...(token ? { token } : {}),
  });
}

async function setUpProvider(ns: string, visibility: 'public' | 'private', rel: ExampleRelease) {
  expect((await call('POST', '/api/v1/namespaces', { json: { name: ns, visibility } })).status).toBe(201);
  expect(
    (await call('POST', `/api/v1/namespaces/${ns}/keys`, { json: { ascii_armor: rel.publicKeyArmored } })).status,
  ).toBe(201);
  expect((await call('POST', `/api/v1/namespaces/${ns}/providers`, { json: { type: rel.name } })).status).toBe(201);
  const draft = await call('POST', `/api/v1/providers/${ns}/${rel.name}/versions`, {
    json: { version: rel.version, protocols: ['6'], key_id: rel.keyId },
  });
  expect(draft.status).toBe(201);
  for (const file of rel.files) {
    expect((await upload(ns, rel.name, rel.version, file.fileName, await readFile(file.path))).status).toBe(201);
  }
}

beforeAll(async () => {
  registry = await openTestRegistry(await newDir());
  release = await buildExampleRelease(await newDir());
  await setUpProvider('acme', 'public', release);
});
afterAll(async () => {
  await registry.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('registry app: draft, publish, read side', () => {
  it('serves discovery with the trailing slash as application/json', async () => {
    const res = await call('GET', '/.well-known/terraform.json', { token: null });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"providers.v1":"/v1/providers/"}');
  });

  it('keeps a draft invisible to terraform, and shows its live report to the API', async () => {
    expect((await call('GET', '/v1/providers/acme/hello/versions', { token: null })).status).toBe(200);
    expect(await (await call('GET', '/v1/providers/acme/hello/versions', { token: null })).json()).toEqual({
      versions: [],
    });
    const res = await call('GET', '/api/v1/providers/acme/hello/versions/1.0.0');
    const body = (await res.json()) as {
      state: string;
      protocols: string[];
      report: { ok: boolean; platforms: unknown[] };
    };
    expect(body.state).toBe('draft');
    expect(body.protocols).toEqual(['6.0']);
    expect(body.report.ok).toBe(true);
    expect(body.report.platforms).toHaveLength(3);
  });

  it('publishes, then serves versions, download JSON, mirror JSON with h1 and zh, and the files', async () => {
    const published = await call('POST', '/api/v1/providers/acme/hello/versions/1.0.0/publish');
    expect(published.status).toBe(200);
    expect(((await published.json()) as { state: string }).state).toBe('published');

    const versions = await (await call('GET', '/v1/providers/acme/hello/versions', { token: null })).json();
    expect(versions).toEqual({
      versions: [
        {
          version: '1.0.0',
          protocols: ['6.0'],
          platforms: [
            { os: 'darwin', arch: 'arm64' },
            { os: 'linux', arch: 'amd64' },
            { os: 'windows', arch: 'amd64' },
          ],
        },
      ],
    });

    const report = await validateRelease({ files: release.files, keys: [release.publicKeyArmored] });
    const linux = report.platforms.find((p) => p.platform === 'linux_amd64')!;
    const download = (await (
      await call('GET', '/v1/providers/acme/hello/1.0.0/download/linux/amd64', { token: null })
    ).json()) as Record<string, any>;
    expect(download).toMatchObject({
      protocols: ['6.0'],
      os: 'linux',
      arch: 'amd64',
      filename: 'terraform-provider-hello_1.0.0_linux_amd64.zip',
      shasum: linux.sha256,
      download_url: '/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip',
    });
    expect(download.signing_keys.gpg_public_keys[0].key_id).toBe(release.keyId);

    const missing = await call('GET', '/v1/providers/acme/hello/1.0.0/download/freebsd/arm', { token: null });
    expect(missing.status).toBe(404);

    const mirrorIndex = await call('GET', '/mirror/registry.example.com/acme/hello/index.json', { token: null });
    expect(mirrorIndex.headers.get('content-type')).toBe('application/json');
    expect(await mirrorIndex.json()).toEqual({ versions: { '1.0.0': {} } });
    const mirror = (await (
      await call('GET', '/mirror/registry.example.com/acme/hello/1.0.0.json', { token: null })
    ).json()) as {
      archives: Record<string, { url: string; hashes: string[] }>;
    };
    expect(Object.keys(mirror.archives).sort()).toEqual(['darwin_arm64', 'linux_amd64', 'windows_amd64']);
    expect(mirror.archives.linux_amd64!.hashes).toEqual([linux.h1, linux.zh]);

    const zipBytes = await readFile(release.files.find((f) => f.fileName === linux.fileName)!.path);
    const file = await call('GET', download.download_url as string, { token: null });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await file.arrayBuffer()).equals(zipBytes)).toBe(true);

    const head = await call('HEAD', download.download_url as string, { token: null });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(zipBytes.length));
    expect(await head.text()).toBe('');

    const range = await call('GET', download.download_url as string, {
      token: null,
      headers: { range: 'bytes=10-19' },
    });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 10-19/${zipBytes.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(zipBytes.subarray(10, 20))).toBe(true);
    const bad = await call('GET', download.download_url as string, {
      token: null,
      headers: { range: `bytes=${zipBytes.length + 5}-` },
    });
    expect(bad.status).toBe(416);
  });

  it('is idempotent for identical bytes after publish, and refuses different bytes with 409', async () => {
    const sums = release.files.find((f) => f.fileName.endsWith('_SHA256SUMS'))!;
    const bytes = await readFile(sums.path);
    const same = await upload('acme', 'hello', '1.0.0', sums.fileName, bytes);
    expect(same.status).toBe(200);
    expect(((await same.json()) as { unchanged: boolean }).unchanged).toBe(true);
    const other = await upload('acme', 'hello', '1.0.0', sums.fileName, Buffer.concat([bytes, Buffer.from('\n')]));
    expect(other.status).toBe(409);
    const after = await call('GET', `/v1/files/acme/hello/1.0.0/${sums.fileName}`, { token: null });
    expect(Buffer.from(await after.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('prints deprecation warnings and drops yanked versions from the listings', async () => {
    const deprecated = await call('POST', '/api/v1/providers/acme/hello/versions/1.0.0/deprecate', {
      json: { message: 'use 2.x' },
    });
    expect(deprecated.status).toBe(200);
    const versions = (await (await call('GET', '/v1/providers/acme/hello/versions', { token: null })).json()) as {
      warnings: string[];
    };
    expect(versions.warnings).toEqual(['Version 1.0.0 of acme/hello is deprecated: use 2.x']);
    expect((await call('POST', '/api/v1/providers/acme/hello/versions/1.0.0/yank', { json: {} })).status).toBe(200);
    expect(await (await call('GET', '/v1/providers/acme/hello/versions', { token: null })).json()).toEqual({
      versions: [],
    });
    expect(await (await call('GET', '/mirror/h/acme/hello/index.json', { token: null })).json()).toEqual({
      versions: {},
    });
    await call('POST', '/api/v1/providers/acme/hello/versions/1.0.0/yank', { json: { yanked: false } });
    await call('POST', '/api/v1/providers/acme/hello/versions/1.0.0/deprecate', { json: { message: null } });
    const restored = (await (await call('GET', '/v1/providers/acme/hello/versions', { token: null })).json()) as {
      versions: unknown[];
      warnings?: unknown;
    };
    expect(restored.versions).toHaveLength(1);
    expect(restored.warnings).toBeUndefined();
  });

  it('serves an OpenAPI document of the management API', async () => {
    const doc = (await (await call('GET', '/api/v1/openapi.json', { token: null })).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/providers/{namespace}/{type}/versions/{version}/publish');
    expect(Object.keys(doc.paths)).toContain('/api/v1/providers/{namespace}/{type}/versions/{version}/files/{file}');
  });
});

describe('registry app: private namespaces and tokens', () => {
  let privateRelease: ExampleRelease;
  let readToken: string;

  beforeAll(async () => {
    privateRelease = await buildExampleRelease(await newDir(), { name: 'secret' });
    await setUpProvider('corp', 'private', privateRelease);
    expect((await call('POST', '/api/v1/providers/corp/secret/versions/1.0.0/publish')).status).toBe(200);
    const created = await call('POST', '/api/v1/tokens', {
      json: { name: 'ci read', role: 'read', namespaces: ['corp'] },
    });
    expect(created.status).toBe(201);
    readToken = ((await created.json()) as { token: string }).token;
  });

  it('needs a read token on the protocol routes: 401 without, 403 with a wrong one', async () => {
    expect((await call('GET', '/v1/providers/corp/secret/versions', { token: null })).status).toBe(401);
    expect((await call('GET', '/v1/providers/corp/secret/versions', { token: 'signet_wrong' })).status).toBe(403);
    expect((await call('GET', '/v1/providers/corp/secret/versions', { token: readToken })).status).toBe(200);
    expect((await call('GET', '/mirror/x/corp/secret/index.json', { token: null })).status).toBe(401);
  });

  it('hands out signed file URLs that work without the token, and refuses unsigned or tampered ones', async () => {
    const download = (await (
      await call('GET', '/v1/providers/corp/secret/1.0.0/download/linux/amd64', { token: readToken })
    ).json()) as { download_url: string; shasums_url: string };
    expect(download.download_url).toMatch(/\?expires=\d+&signature=/);
    expect((await call('GET', download.download_url, { token: null })).status).toBe(200);
    expect((await call('HEAD', download.download_url, { token: null })).status).toBe(200);
    const unsigned = download.download_url.split('?')[0]!;
    expect((await call('GET', unsigned, { token: null })).status).toBe(401);
    expect((await call('GET', unsigned, { token: readToken })).status).toBe(200);
    const otherFile = download.shasums_url.split('?')[0] + '?' + download.download_url.split('?')[1];
    expect((await call('GET', otherFile, { token: null })).status).toBe(401);
  });

  it('scopes tokens: a read token cannot publish, a publish token of another namespace gets 403', async () => {
    const created = await call('POST', '/api/v1/tokens', {
      json: { name: 'acme ci', role: 'publish', namespaces: ['acme'] },
    });
    const publishToken = ((await created.json()) as { token: string }).token;
    expect(
      (await call('POST', '/api/v1/namespaces/corp/providers', { token: readToken, json: { type: 'x' } })).status,
    ).toBe(403);
    expect(
      (await call('POST', '/api/v1/namespaces/corp/providers', { token: publishToken, json: { type: 'x' } })).status,
    ).toBe(403);
    expect((await call('GET', '/v1/providers/corp/secret/versions', { token: publishToken })).status).toBe(403);
    const whoami = (await (await call('GET', '/api/v1/whoami', { token: publishToken })).json()) as {
      role: string;
      namespaces: string[];
    };
    expect(whoami).toMatchObject({ role: 'publish', namespaces: ['acme'] });
    const list = (await (await call('GET', '/api/v1/tokens')).json()) as { id: string; name: string }[];
    const id = list.find((t) => t.name === 'acme ci')!.id;
    expect((await call('DELETE', `/api/v1/tokens/${id}`)).status).toBe(200);
    expect((await call('GET', '/api/v1/whoami', { token: publishToken })).status).toBe(403);
    expect(JSON.stringify(list)).not.toContain(publishToken);
  });
});

describe('registry app: bad input is a clear 4xx and changes nothing', () => {
  it('refuses malformed JSON, unknown fields and missing auth', async () => {
    const malformed = await call('POST', '/api/v1/namespaces', {
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('JSON_MALFORMED');
    const unknown = await call('POST', '/api/v1/namespaces', { json: { name: 'x', colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect((await call('POST', '/api/v1/namespaces', { token: null, json: { name: 'x' } })).status).toBe(401);
    const badName = await call('POST', '/api/v1/namespaces', { json: { name: 'Not Valid' } });
    expect(badName.status).toBe(400);
    expect(((await badName.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('NAME_INVALID');
  });

  it('refuses keys terraform cannot read, private keys, and a key ID that is not the armor’s', async () => {
    const modern = await generateKey({ name: 'x', email: 'x@example.com', algorithm: 'ed25519' }).catch(
      () => undefined,
    );
    expect(modern).toBeDefined();
    const v6 = await import('openpgp').then((o) =>
      o.generateKey({
        type: 'curve25519',
        userIDs: [{ name: 'v6' }],
        format: 'armored',
        config: { v6Keys: true },
      }),
    );
    const res = await call('POST', '/api/v1/namespaces/acme/keys', { json: { ascii_armor: v6.publicKey } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('KEY_UNSUPPORTED');
    const priv = await call('POST', '/api/v1/namespaces/acme/keys', {
      json: { ascii_armor: modern!.privateKeyArmored },
    });
    expect(priv.status).toBe(422);
    expect(await priv.text()).not.toContain('PRIVATE KEY BLOCK');
    const mismatch = await call('POST', '/api/v1/namespaces/acme/keys', {
      json: { ascii_armor: modern!.publicKeyArmored, key_id: '0000000000000000' },
    });
    expect(mismatch.status).toBe(422);
    expect(((await (await call('GET', '/api/v1/namespaces/acme/keys')).json()) as unknown[]).length).toBe(1);
  });

  it('refuses file names with .., a NUL or another version, and oversized uploads', async () => {
    await call('POST', '/api/v1/providers/acme/hello/versions', {
      json: { version: '2.0.0', protocols: ['6.0'], key_id: release.keyId },
    });
    const dotdot = await upload('acme', 'hello', '2.0.0', '..%2F..%2Fetc%2Fpasswd', Buffer.from('x'));
    expect(dotdot.status).toBe(400);
    const nul = await upload(
      'acme',
      'hello',
      '2.0.0',
      'terraform-provider-hello_2.0.0_SHA256SUMS%00',
      Buffer.from('x'),
    );
    expect(nul.status).toBe(400);
    const other = await upload('acme', 'hello', '2.0.0', 'terraform-provider-hello_1.0.0_SHA256SUMS', Buffer.from('x'));
    expect(other.status).toBe(422);
    const zip = 'terraform-provider-hello_2.0.0_linux_amd64.zip';
    const small = await openTestRegistry(await newDir(), { maxFileBytes: 1000 });
    try {
      const admin = { authorization: `Bearer ${small.adminToken}`, 'content-type': 'application/json' };
      const post = (path: string, json: unknown) =>
        small.app.request(path, { method: 'POST', headers: admin, body: JSON.stringify(json) });
      await post('/api/v1/namespaces', { name: 'acme' });
      await post('/api/v1/namespaces/acme/keys', { ascii_armor: release.publicKeyArmored });
      await post('/api/v1/namespaces/acme/providers', { type: 'hello' });
      await post('/api/v1/providers/acme/hello/versions', {
        version: '2.0.0',
        protocols: ['6.0'],
        key_id: release.keyId,
      });
      const put = (headers: Record<string, string>) =>
        small.app.request(`/api/v1/providers/acme/hello/versions/2.0.0/files/${zip}`, {
          method: 'PUT',
          headers: { authorization: admin.authorization, ...headers },
          body: Buffer.alloc(5000),
        });
      const declared = await put({ 'content-length': '5000' });
      expect(declared.status).toBe(413);
      const streamed = await put({});
      expect(streamed.status).toBe(413);
      expect(((await streamed.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('BLOB_TOO_LARGE');
      const version = await small.app.request('/api/v1/providers/acme/hello/versions/2.0.0?report=false', {
        headers: admin,
      });
      expect(((await version.json()) as { files: unknown[] }).files).toEqual([]);
      const blobs: string[] = [];
      for await (const blob of small.blobs.list()) blobs.push(blob.sha256);
      expect(blobs).toEqual([]);
    } finally {
      await small.close();
    }
    const files = (await (await call('GET', '/api/v1/providers/acme/hello/versions/2.0.0?report=false')).json()) as {
      files: unknown[];
    };
    expect(files.files).toEqual([]);
  });

  it('checks X-Checksum-SHA256 against the bytes that arrive, and deletes drafts but never published versions', async () => {
    await call('POST', '/api/v1/providers/acme/hello/versions', {
      json: { version: '3.0.0', protocols: ['6.0'], key_id: release.keyId },
    });
    const name = 'terraform-provider-hello_3.0.0_SHA256SUMS';
    const wrong = await call('PUT', `/api/v1/providers/acme/hello/versions/3.0.0/files/${name}`, {
      body: Buffer.from('abc\n'),
      headers: { 'content-type': 'application/octet-stream', 'x-checksum-sha256': '0'.repeat(64) },
    });
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('BLOB_DIGEST_MISMATCH');
    const right = await call('PUT', `/api/v1/providers/acme/hello/versions/3.0.0/files/${name}`, {
      body: Buffer.from('abc\n'),
      headers: {
        'content-type': 'application/octet-stream',
        'x-checksum-sha256': createHash('sha256').update('abc\n').digest('hex'),
      },
    });
    expect(right.status).toBe(201);
    expect((await call('DELETE', '/api/v1/providers/acme/hello/versions/3.0.0')).status).toBe(200);
    expect((await call('GET', '/api/v1/providers/acme/hello/versions/3.0.0')).status).toBe(404);
    const published = await call('DELETE', '/api/v1/providers/acme/hello/versions/1.0.0');
    expect(published.status).toBe(409);
    expect((await call('GET', '/v1/providers/acme/hello/1.0.0/download/linux/amd64', { token: null })).status).toBe(
      200,
    );
  });

  it('keeps a zip bomb in the draft like any bytes: its report and publish say ZIP_TOO_LARGE, nothing is served', async () => {
    const path = join(await newDir(), 'bomb.zip');
    await writeRawZip(path, [
      {
        name: 'terraform-provider-hello_v2.0.0',
        compressed: deflatedZeros(3 * 2 ** 30),
        declaredSize: 1024,
        mode: 0o100755,
      },
    ]);
    const bytes = await readFile(path);
    const name = 'terraform-provider-hello_2.0.0_linux_amd64.zip';
    const draft = '/api/v1/providers/acme/hello/versions/2.0.0';
    expect((await upload('acme', 'hello', '2.0.0', name, bytes)).status).toBe(201);
    const bomb = (p: { code: string; file?: string }) => p.code === 'ZIP_TOO_LARGE' && p.file === name;
    const version = (await (await call('GET', draft)).json()) as { report: { problems: { code: string }[] } };
    expect(version.report.problems.filter(bomb)).toHaveLength(1);
    const published = await call('POST', `${draft}/publish`);
    expect(published.status).toBe(422);
    expect(((await published.json()) as { errors: { code: string }[] }).errors.filter(bomb)).toHaveLength(1);
    expect((await call('GET', `/v1/files/acme/hello/2.0.0/${name}`, { token: null })).status).toBe(404);
    // The bytes go with the file: nothing of the bomb stays on disk.
    const digest = createHash('sha256').update(bytes).digest('hex');
    expect(await registry.blobs.stat(digest)).toEqual({ size: bytes.length });
    expect((await call('DELETE', `${draft}/files/${name}`)).status).toBe(200);
    expect(await registry.blobs.stat(digest)).toBeUndefined();
  });

  it('publish of a tampered upload answers 422 with SHASUMS_MISMATCH, the same problems as validate', async () => {
    const dir = await newDir();
    const rel = await buildExampleRelease(dir, { name: 'tampered' });
    await call('POST', '/api/v1/namespaces/acme/providers', { json: { type: 'tampered' } });
    await call('POST', '/api/v1/providers/acme/tampered/versions', {
      json: { version: '1.0.0', protocols: ['6.0'], key_id: release.keyId },
    });
    for (const file of rel.files) {
      const bytes = await readFile(file.path);
      if (file.fileName.endsWith('linux_amd64.zip'))
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 30) ^ 0xff, bytes.length - 30);
      await upload('acme', 'tampered', '1.0.0', file.fileName, bytes);
    }
    const res = await call('POST', '/api/v1/providers/acme/tampered/versions/1.0.0/publish');
    expect(res.status).toBe(422);
    const errors = ((await res.json()) as { errors: { code: string }[] }).errors;
    expect(errors.map((e) => e.code)).toContain('SHASUMS_MISMATCH');
    expect(await call('GET', '/v1/providers/acme/tampered/versions', { token: null }).then((r) => r.json())).toEqual({
      versions: [],
    });
  });

  it('of twenty concurrent publishes exactly one succeeds; the others get 409', async () => {
    const rel = await buildExampleRelease(await newDir(), { name: 'race' });
    await call('POST', '/api/v1/namespaces/acme/providers', { json: { type: 'race' } });
    await call('POST', '/api/v1/namespaces/acme/keys', { json: { ascii_armor: rel.publicKeyArmored } });
    await call('POST', '/api/v1/providers/acme/race/versions', {
      json: { version: '1.0.0', protocols: ['6.0'], key_id: rel.keyId },
    });
    for (const file of rel.files) await upload('acme', 'race', '1.0.0', file.fileName, await readFile(file.path));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', '/api/v1/providers/acme/race/versions/1.0.0/publish')),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  });
});
