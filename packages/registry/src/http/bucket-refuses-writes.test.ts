// Fault: the bucket refuses writes (here it does not exist; a bucket policy denying PutObject answers the same
// class of error). An upload then gets 503 STORE_UNAVAILABLE with Retry-After, never a 500 or a hang, and nothing
// stored changes: the draft lists no file, and the read side is untouched.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildExampleRelease, openTestRegistry, type ExampleRelease, type TestRegistry } from '../testing';
import { startTestS3Server, type TestS3Server } from '../testing/s3-server';

let s3: TestS3Server;
let dir: string;
let registry: TestRegistry;
let release: ExampleRelease;

beforeAll(async () => {
  s3 = await startTestS3Server();
  dir = await mkdtemp(join(tmpdir(), 'signet-refusing-bucket-'));
  const blobs = await s3.openStore({ bucket: 'signet-no-such-bucket' });
  registry = await openTestRegistry(join(dir, 'data'), { blobs });
  release = await buildExampleRelease(join(dir, 'release'));
}, 60_000);
afterAll(async () => {
  await registry?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${registry.adminToken}` };
  let payload: string | Uint8Array | undefined;
  if (body instanceof Uint8Array) {
    headers['content-type'] = 'application/octet-stream';
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return registry.app.request(path, { method, headers, body: payload });
}

describe('a bucket that refuses writes', () => {
  it('answers an upload 503 STORE_UNAVAILABLE with Retry-After, and stores nothing', async () => {
    expect((await call('POST', '/api/v1/namespaces', { name: 'acme', visibility: 'public' })).status).toBe(201);
    expect((await call('POST', '/api/v1/namespaces/acme/keys', { ascii_armor: release.publicKeyArmored })).status).toBe(
      201,
    );
    expect((await call('POST', '/api/v1/namespaces/acme/providers', { type: 'hello' })).status).toBe(201);
    const versions = '/api/v1/providers/acme/hello/versions';
    expect((await call('POST', versions, { version: '1.0.0', protocols: ['6'], key_id: release.keyId })).status).toBe(
      201,
    );

    const zip = release.files.find((f) => f.fileName.endsWith('.zip'))!;
    const answer = await call('PUT', `${versions}/1.0.0/files/${zip.fileName}`, await readFile(zip.path));
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await answer.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('STORE_UNAVAILABLE');
    expect(body.errors[0]?.message).toContain('"signet-no-such-bucket"');

    expect(await registry.metadata.listFiles('acme', 'hello', '1.0.0')).toEqual([]);
    const draft = (await (await call('GET', `${versions}/1.0.0?report=false`)).json()) as { files: unknown[] };
    expect(draft.files).toEqual([]);
  });
});
