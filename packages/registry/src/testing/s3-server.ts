import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

import { openS3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from '../storage/s3-blob-store';

/** An S3 server for tests: s3rver in this process, on 127.0.0.1 and a free port, over a temporary folder. */
export interface TestS3Server {
  endpoint: string;
  /** s3rver's fixed test credentials (never real ones). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Where s3rver keeps the buckets. */
  directory: string;
  /** Creates a bucket with a fresh name and returns the name. */
  createBucket(): Promise<string>;
  /** An S3 blob store on `bucket` of this server; closed with the server. */
  openStore(options: Partial<S3BlobStoreOptions> & { bucket: string }): Promise<S3BlobStore>;
  close(): Promise<void>;
}

let buckets = 0;

/** Starts s3rver; `close()` stops it, closes every store opened through it and removes its folder. */
export async function startTestS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'signet-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const stores: S3BlobStore[] = [];
  return {
    endpoint,
    credentials,
    directory,
    async createBucket() {
      const bucket = `signet-test-${process.pid}-${++buckets}`;
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    async openStore(options) {
      const store = await openS3BlobStore({
        endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials,
        ...options,
      });
      stores.push(store);
      return store;
    },
    async close() {
      for (const store of stores) store.close();
      admin.destroy();
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
