import { Readable } from 'node:stream';

import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestS3Server, type TestS3Server } from '../testing/s3-server';
import { describeBlobStoreContract } from './contract/blob-store-contract';
import { StoreUnavailableError } from './errors';
import { openS3BlobStore } from './s3-blob-store';

let s3: TestS3Server;
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
  capabilities: { presign: true, flatMemory: true, leftovers: true, refuseWrites: true },
  async createBackend() {
    const bucket = await s3.createBucket();
    // Small parts, so the suite's uploads of a few MiB are real multipart uploads.
    const open = () =>
      s3.openStore({ bucket, prefix: 'registry/', uploadPartBytes: 5 * 1024 * 1024, uploadQueueSize: 2 });
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
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toContain('"nowhere"');
        expect((error as Error).message).not.toContain(secretAccessKey);
      }
    } finally {
      store.close();
    }
  });
});
