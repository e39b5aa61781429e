// A 1 GiB upload to the S3 blob store keeps memory flat: the bytes stream through a multipart upload a few parts at
// a time, hashed on the way, and are never held whole. s3rver (the test S3 server) runs in this process, so the
// measured growth includes its buffers too: an upper bound for the store's own.
import { createHash, randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestS3Server, type TestS3Server } from '../../packages/registry/src/testing/s3-server';

const MIB = 1024 * 1024;
const TOTAL = 1024 * MIB;

let s3: TestS3Server;
beforeAll(async () => {
  s3 = await startTestS3Server();
});
afterAll(async () => {
  await s3?.close();
});

// `gc` without starting node with --expose-gc: flip the flag, then read it from a fresh context.
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Samples the process's RSS every 50 ms until stopped; the peak is what the assertion reads. */
function sampleRss() {
  let peak = process.memoryUsage().rss;
  let buffers = 0;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.rss);
    buffers = Math.max(buffers, usage.arrayBuffers);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      console.log(`peak arrayBuffers ${(buffers / MIB).toFixed(1)} MiB`);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

describe('S3 blob store, 1 GiB upload', () => {
  it('stores 1 GiB with peak RSS growth well under 200 MiB, under the SHA-256 of what was sent', async () => {
    const store = await s3.openStore({ bucket: await s3.createBucket() }); // default parts: 8 MiB, 4 at once
    const gc = exposeGc();
    gc();
    const baseline = process.memoryUsage().rss;
    const sent = createHash('sha256');
    // Fresh bytes each MiB (one block reused would let a server deduplicate or a bug keep a reference unseen).
    async function* generated(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < TOTAL; at += MIB) {
        const chunk = randomBytes(MIB);
        sent.update(chunk);
        // A collection now and then, so RSS shows what is kept rather than garbage V8 has not collected yet.
        if (at % (16 * MIB) === 0) {
          await tick();
          gc();
        }
        yield chunk;
      }
    }
    const rss = sampleRss();
    const stored = await store.put(generated(), { maxBytes: TOTAL });
    const peakGrowth = rss.stop() - baseline;
    console.log(`S3 upload of 1 GiB: peak RSS growth ${(peakGrowth / MIB).toFixed(1)} MiB`);

    expect(stored).toEqual({ sha256: sent.digest('hex'), size: TOTAL, created: true });
    // Measured ≈ 96 MiB (4 parts of 8 MiB in flight, the part being filled, s3rver's buffers, garbage between
    // collections); the whole body kept would be over 1024 MiB.
    expect(peakGrowth).toBeLessThan(200 * MIB);

    // And what the bucket holds is those bytes, read back as a stream.
    const readBack = createHash('sha256');
    for await (const chunk of await store.open(stored.sha256)) readBack.update(chunk as Buffer);
    expect(readBack.digest('hex')).toBe(stored.sha256);
    expect(await store.stat(stored.sha256)).toEqual({ size: TOTAL });
    expect(await store.delete(stored.sha256)).toBe(true);
  }, 600_000);
});
