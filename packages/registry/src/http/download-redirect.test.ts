// With object storage, the file URLs (the registry protocol's download_url and the network mirror's archive URLs)
// answer 302 to a presigned URL of the bucket: the bytes come from the bucket, never through the registry. Checked
// in-process and over a real socket (where the fast path would otherwise stream files), with s3rver as the bucket.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../node-server';
import { openPublishedRegistry, type PublishedRegistry } from '../security/published-registry';
import type { BlobStore } from '../storage/blob-store';
import { startTestS3Server, type TestS3Server } from '../testing/s3-server';

let s3: TestS3Server;
let registry: PublishedRegistry;
let server: RunningServer;
let opens = 0; // ranges and whole blobs the registry read: a redirect reads none

beforeAll(async () => {
  s3 = await startTestS3Server();
  const store = await s3.openStore({ bucket: await s3.createBucket(), presignExpiresSeconds: 120 });
  const counted: BlobStore = {
    ...store,
    open: (sha256, range) => {
      opens++;
      return store.open(sha256, range);
    },
  };
  registry = await openPublishedRegistry({ blobs: counted });
  server = await startServer({
    fetch: registry.app.fetch,
    fastServe: registry.app.fastServe,
    host: '127.0.0.1',
    port: 0,
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await registry?.close();
  await s3?.close();
});

const sha256 = (bytes: ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes)).digest('hex');

/** Follows the 302 by hand: the Location must serve `expectedSha256`'s bytes, with the name and type asked for. */
async function expectRedirectToBytes(response: Response, fileName: string, expectedSha256: string) {
  expect(response.status).toBe(302);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const location = response.headers.get('location')!;
  expect(location.startsWith(`${s3.endpoint}/`)).toBe(true);
  expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('120');
  const object = await fetch(location);
  expect(object.status).toBe(200);
  expect(object.headers.get('content-disposition')).toBe(`attachment; filename="${fileName}"`);
  if (fileName.endsWith('.zip')) expect(object.headers.get('content-type')).toBe('application/zip');
  expect(sha256(await object.arrayBuffer())).toBe(expectedSha256);
}

describe('downloads from an S3 blob store', () => {
  it('redirect the registry protocol download_url and its SHA256SUMS to presigned URLs', async () => {
    const doc = await registry.call('GET', '/v1/providers/acme/hello/1.0.0/download/linux/amd64', { token: null });
    const download = (await doc.json()) as {
      download_url: string;
      shasums_url: string;
      shasum: string;
      filename: string;
    };
    const before = opens;
    const zip = await registry.call('GET', download.download_url, { token: null });
    await expectRedirectToBytes(zip, download.filename, download.shasum);
    const sums = registry.publicRelease.files.find((f) => f.fileName.endsWith('_SHA256SUMS'))!;
    const sumsBytes = await readFile(sums.path);
    const sumsAnswer = await registry.call('GET', download.shasums_url, { token: null });
    await expectRedirectToBytes(sumsAnswer, sums.fileName, createHash('sha256').update(sumsBytes).digest('hex'));
    expect(opens).toBe(before);
  });

  it('redirect the network mirror archive URLs, which terraform resolves against the mirror document', async () => {
    const base = `${server.url}/mirror/registry.example/acme/hello/1.0.0.json`;
    const doc = (await (await fetch(base)).json()) as { archives: Record<string, { url: string; hashes: string[] }> };
    const archive = doc.archives.linux_amd64!;
    const before = opens;
    const answer = await fetch(new URL(archive.url, base), { redirect: 'manual' });
    const zh = archive.hashes.find((h) => h.startsWith('zh:'))!.slice(3);
    await expectRedirectToBytes(answer, archive.url.split('/').at(-1)!, zh);
    expect(opens).toBe(before);
  });

  it('redirect over a real socket too (the fast path leaves object storage to the app); HEAD is answered from the record', async () => {
    const zip = registry.publicRelease.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
    const path = `/v1/files/acme/hello/1.0.0/${zip.fileName}`;
    const zipBytes = await readFile(zip.path);
    const zipSha = createHash('sha256').update(zipBytes).digest('hex');
    const before = opens;
    for (let i = 0; i < 2; i++) {
      // The second GET finds the provider's view loaded, the case the fast path would answer itself.
      await expectRedirectToBytes(await fetch(`${server.url}${path}`, { redirect: 'manual' }), zip.fileName, zipSha);
    }
    // A presigned GET URL refuses HEAD (S3 signs the method): the registry answers it from the record instead.
    const head = await fetch(`${server.url}${path}`, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(zipBytes.length));
    expect(head.headers.get('etag')).toBe(`"${zipSha}"`);
    // fetch follows it by itself, as terraform's HTTP client does.
    expect(sha256(await (await fetch(`${server.url}${path}`)).arrayBuffer())).toBe(zipSha);
    expect(opens).toBe(before);
  });

  it('redirect a private namespace only after its signed URL (or token) is checked', async () => {
    const doc = await registry.call('GET', '/v1/providers/corp/secret/1.0.0/download/linux/amd64', {
      token: registry.readToken,
    });
    const download = (await doc.json()) as { download_url: string; shasum: string; filename: string };
    await expectRedirectToBytes(
      await registry.call('GET', download.download_url, { token: null }),
      download.filename,
      download.shasum,
    );
    const unsigned = new URL(download.download_url, 'http://x').pathname;
    expect((await registry.call('GET', unsigned, { token: null })).status).toBe(401);
    expect((await registry.call('GET', unsigned, { token: registry.otherToken })).status).toBe(403);
    expect((await registry.call('GET', unsigned, { token: registry.readToken })).status).toBe(302);
  });
});
