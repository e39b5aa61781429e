// The static export into a bucket of s3rver (an S3-speaking server, for tests only), read back with the AWS SDK.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportStaticRegistry, staticContentType, STATIC_CACHE_CONTROL } from './static-export';
import { FS_SINK_STATE_FILE } from './static-export-fs-sink';
import { createS3StaticSink } from './static-export-s3-sink';
import { buildExampleRelease, openTestRegistry, type TestRegistry } from './testing';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
// s3rver ships no types; this test is its only user here.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: object) => S3rverInstance;

const BUCKET = 'static-export';
const PREFIX = 'signet/';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let work: string;
let s3rver: S3rverInstance;
let endpoint: string;
let client: S3Client;
let registry: TestRegistry;
let fsPaths: string[];
let fsOut: string;

const sink = () =>
  createS3StaticSink({
    bucket: BUCKET,
    prefix: PREFIX,
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials,
  });

/** One export into the bucket, with a sink of its own. */
async function exportToBucket() {
  const target = sink();
  try {
    return await exportStaticRegistry({ ...registry, sink: target, mirrorHosts: ['registry.example.com'] });
  } finally {
    await target.close();
  }
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(root, `${prefix}${e.name}/`) : Promise.resolve([`${prefix}${e.name}`]),
    ),
  );
  return nested.flat().sort();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-static-s3-'));
  s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(work, 's3rver'),
    configureBuckets: [{ name: BUCKET }],
  });
  const address = await s3rver.run();
  endpoint = `http://127.0.0.1:${address.port}`;
  client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials });

  registry = await openTestRegistry(join(work, 'data'));
  const call = async (method: string, path: string, json?: unknown, bytes?: Uint8Array) => {
    const headers: Record<string, string> = { authorization: `Bearer ${registry.adminToken}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await registry.app.request(path, { method, headers, body: bytes ?? JSON.stringify(json ?? {}) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  const [release, secret] = await Promise.all([
    buildExampleRelease(join(work, 'hello')),
    buildExampleRelease(join(work, 'secret'), { name: 'secret' }),
  ]);
  for (const [ns, visibility, rel] of [
    ['acme', 'public', release],
    ['corp', 'private', secret],
  ] as const) {
    await call('POST', '/api/v1/namespaces', { name: ns, visibility });
    await call('POST', `/api/v1/namespaces/${ns}/keys`, { ascii_armor: rel.publicKeyArmored });
    await call('POST', `/api/v1/namespaces/${ns}/providers`, { type: rel.name });
    const versions = `/api/v1/providers/${ns}/${rel.name}/versions`;
    await call('POST', versions, { version: rel.version, protocols: ['6'], key_id: rel.keyId });
    for (const file of rel.files) {
      await call('PUT', `${versions}/${rel.version}/files/${file.fileName}`, undefined, await readFile(file.path));
    }
    await call('POST', `${versions}/${rel.version}/publish`);
  }
  fsOut = join(work, 'fs');
  await exportStaticRegistry({ ...registry, outDir: fsOut, mirrorHosts: ['registry.example.com'] });
  fsPaths = (await listFiles(fsOut)).filter((p) => p !== FS_SINK_STATE_FILE);
});

afterAll(async () => {
  client?.destroy();
  await registry?.close();
  await s3rver?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the S3 static sink (s3rver)', () => {
  it('puts the same objects as the folder export, each with its Content-Type, Cache-Control and bytes', async () => {
    const result = await exportToBucket();
    expect(result.location).toBe(`s3://${BUCKET}/${PREFIX}`);
    expect(result.written).toEqual(fsPaths);
    expect(fsPaths.filter((p) => p.includes('corp') || p.includes('secret'))).toEqual([]);
    for (const path of fsPaths) {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: PREFIX + path }));
      expect(object.ContentType, path).toBe(staticContentType(path));
      expect(object.CacheControl, path).toBe(
        path.startsWith('v1/files/') ? STATIC_CACHE_CONTROL.file : STATIC_CACHE_CONTROL.document,
      );
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      expect(bytes.equals(await readFile(join(fsOut, path))), path).toBe(true);
    }
    const versions = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}v1/providers/acme/hello/versions` }),
    );
    expect(versions.ContentType).toBe('application/json');
  });

  it('writes nothing the second time, replaces an object stored with another type, removes what is gone', async () => {
    const again = await exportToBucket();
    expect(again).toMatchObject({ written: [], removed: [], unchanged: fsPaths.length });

    // What a plain `aws s3 sync` leaves: the right bytes, but no type for a document without an extension.
    const path = 'v1/providers/acme/hello/versions';
    const body = await readFile(join(fsOut, path));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: PREFIX + path, Body: body }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}v1/files/old/x/1.0.0/y`, Body: 'old' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'outside-the-prefix', Body: 'keep' }));
    const fixed = await exportToBucket();
    expect(fixed.written).toEqual([path]);
    expect(fixed.removed).toEqual(['v1/files/old/x/1.0.0/y']);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: PREFIX + path }));
    expect(head.ContentType).toBe('application/json');
    await expect(
      client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'outside-the-prefix' })),
    ).resolves.toMatchObject({ ContentLength: 4 });
  });

  it('aborts the upload of a blob whose bytes are not its digest: no object appears', async () => {
    const path = 'v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip';
    const zip = await readFile(join(fsOut, path));
    const sha256 = createHash('sha256').update(zip).digest('hex');
    const blob = join(work, 'data', 'blobs', sha256.slice(0, 2), sha256.slice(2));
    await writeFile(blob, Buffer.concat([zip.subarray(0, -1), Buffer.from([zip.at(-1)! ^ 1])]));
    const target = createS3StaticSink({
      bucket: BUCKET,
      prefix: 'broken/',
      endpoint,
      forcePathStyle: true,
      credentials,
    });
    try {
      await expect(exportStaticRegistry({ ...registry, sink: target })).rejects.toMatchObject({
        code: 'SHASUMS_MISMATCH',
      });
      await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `broken/${path}` }))).rejects.toMatchObject(
        {
          $metadata: { httpStatusCode: 404 },
        },
      );
    } finally {
      await target.close();
      await writeFile(blob, zip);
    }
  });
});
