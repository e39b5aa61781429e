import { Readable } from 'node:stream';

import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestS3Server, type TestS3Server } from '../testing/s3-server';
import { describeBlobStoreContract } from './contract/blob-store-contract';
import { BlobContainerMissingError } from './blob-store';
import { BlobTooLargeError, StoreUnavailableError } from './errors';
import { openS3BlobStore } from './s3-blob-store';

const MIB = 1024 * 1024;

let s3: TestS3Server;

function* chunked(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
beforeAll(async () => {
  s3 = await startTestS3Server();
});
afterAll(async () => {
  await s3.close();
});

/** The keys under `prefix` in `bucket`, through the S3 API (what any S3 server would show). */
async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '');
  } finally {
    client.destroy();
  }
}

describeBlobStoreContract('s3 (s3rver)', {
  capabilities: { presign: true, flatMemory: true, leftovers: true, refuseWrites: true, ping: true, head: true },
  async createBackend() {
    const bucket = await s3.createBucket();
    // Small parts, so the suite's uploads of a few MiB are real multipart uploads. s3rver cannot abort them (405):
    // the failed aborts go to onCleanupError, tested below, and are not printed for each test here.
    const open = () =>
      s3.openStore({
        bucket,
        prefix: 'registry/',
        uploadPartBytes: 5 * 1024 * 1024,
        uploadQueueSize: 2,
        onCleanupError: () => undefined,
      });
    return {
      open,
      leftovers: () => keysUnder(bucket, 'registry/tmp/'),
      openRefusingWrites: () => s3.openStore({ bucket: `${bucket}-does-not-exist` }),
    };
  },
});

describe('openS3BlobStore', () => {
  it('keeps blobs under PREFIX/blobs/<sha256> and nothing else once an upload is done', async () => {
    const bucket = await s3.createBucket();
    const store = await s3.openStore({ bucket, prefix: '/team-a/' });
    const stored = await store.put(Readable.from([Buffer.from('hello, bucket\n')]), { maxBytes: 100 });
    expect(await keysUnder(bucket, '')).toEqual([`team-a/blobs/${stored.sha256}`]);
  });

  it('pings a bucket that exists, and names a missing one in BlobContainerMissingError without the credentials', async () => {
    const bucket = await s3.createBucket();
    await expect((await s3.openStore({ bucket })).ping()).resolves.toBeUndefined();
    const missing = await s3.openStore({ bucket: `${bucket}-gone` });
    const error = await missing.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobContainerMissingError);
    expect((error as Error).message).toContain(JSON.stringify(`${bucket}-gone`));
    expect((error as Error).message).toContain('create it');
    expect((error as Error).message).not.toContain(s3.credentials.secretAccessKey);
  });

  it('throws the refusal of an upload past maxBytes, not the failed abort after it, and reports the abort (s3rver answers AbortMultipartUpload 405)', async () => {
    const bucket = await s3.createBucket();
    const cleanups: Error[] = [];
    const store = await s3.openStore({
      bucket,
      uploadPartBytes: 5 * MIB,
      uploadQueueSize: 2,
      onCleanupError: (error) => cleanups.push(error),
    });
    // Two parts' worth, so the multipart upload exists (part 1 sent) when the cap is passed.
    const big = Buffer.alloc(12 * MIB, 7);
    const error = await store
      .put(Readable.from(chunked(big, 256 * 1024)), { maxBytes: 11 * MIB })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobTooLargeError);
    expect(cleanups.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^Could not abort a multipart upload at "tmp\/[0-9a-f-]{36}" in bucket "signet-test-.*lifecycle rule/,
      ),
    ]);
    expect(cleanups[0]!.message).not.toContain(s3.credentials.secretAccessKey);
    expect(await keysUnder(bucket, '')).toEqual([]);
  }, 30_000);

  it('answers StoreUnavailableError, naming the bucket and not the credentials, when the server is not there', async () => {
    const secretAccessKey = 'not-a-real-secret-but-never-shown';
    const store = await openS3BlobStore({
      bucket: 'nowhere',
      endpoint: 'http://127.0.0.1:9', // discard port: nothing listens
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey },
    });
    try {
      for (const attempt of [
        () => store.put(Readable.from([Buffer.from('x')]), { maxBytes: 10 }),
        () => store.stat('a'.repeat(64)),
        () => store.open('a'.repeat(64)),
        () => store.ping(),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        // No answer is not "no such bucket": a start-up check must not refuse for what may be a network blip.
        expect(error).not.toBeInstanceOf(BlobContainerMissingError);
        expect((error as Error).message).toContain('"nowhere"');
        expect((error as Error).message).not.toContain(secretAccessKey);
      }
    } finally {
      store.close();
    }
  });
});
