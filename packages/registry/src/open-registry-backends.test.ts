// What `signet serve --blobs s3://…` (and `signet gc`, `signet export static`) do at start with a bucket that is not
// usable: a bucket S3 says does not exist is refused at once with a message naming it (exit 2 in the CLI), so a
// misnamed bucket never becomes a replica that is never ready; a bucket that does not answer is reported and started
// on, with /readyz 503 until it answers, so a replica started during an S3 blip does not crash-loop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { parseServerConfig, ServerConfigError } from './config/server-config';
import { openRegistryBackends } from './open-registry-backends';
import { startTestS3Server, type TestS3Server } from './testing/s3-server';

let s3: TestS3Server;
let dataDir: string;
beforeAll(async () => {
  s3 = await startTestS3Server();
  dataDir = await mkdtemp(join(tmpdir(), 'signet-backends-'));
  // The standard chain, as a replica reads it; s3rver's fixed test keys, never real ones.
  vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await s3.close();
  await rm(dataDir, { recursive: true, force: true });
});

const configFor = (bucket: string, endpoint = s3.endpoint) =>
  parseServerConfig({
    flags: { blobs: `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true` },
    env: {},
    requireSharedSecrets: false,
  });

describe('openRegistryBackends with --blobs s3://…', () => {
  it('opens on a bucket that exists, ready', async () => {
    const backends = await openRegistryBackends(configFor(await s3.createBucket()), { dataDir });
    try {
      await expect(backends.readinessChecks.blobs!()).resolves.toBeUndefined();
    } finally {
      await backends.close();
    }
  });

  it('refuses a bucket that does not exist with ServerConfigError naming it and saying what to do', async () => {
    const error = await openRegistryBackends(configFor('signet-no-such-bucket'), { dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', setting: '--blobs' });
    const message = (error as Error).message;
    expect(message).toContain('"signet-no-such-bucket"');
    expect(message).toContain('create it, or give the existing bucket');
    expect(message).not.toContain(s3.credentials.secretAccessKey);
  });

  it('opens on a bucket that does not answer, reporting it, and is not ready until it answers', async () => {
    const reported: unknown[] = [];
    // The discard port: nothing listens, as when the endpoint is down for a moment.
    const backends = await openRegistryBackends(configFor('signet-unreachable', 'http://127.0.0.1:9'), {
      dataDir: join(dataDir, 'unreachable'),
      onError: (error) => reported.push(error),
    });
    try {
      expect(reported).toHaveLength(1);
      expect(String((reported[0] as Error).message)).toMatch(
        /^The bucket did not answer at start; serving anyway, \/readyz answers 503 until it does: .*"signet-unreachable"/,
      );
      await expect(backends.readinessChecks.blobs!()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      await backends.close();
    }
  });
});
