// Attack: GET a draft's report again and again, or many drafts' reports at once. Each GET re-validated the whole
// draft (hashing and inflating every zip), so a loop of GETs, or a few in parallel, was unbounded CPU and memory.
// Now a report is cached by the digests of the files it covers (with the key and protocols) and recomputed only when
// they change; concurrent requests share one computation; and validations run a bounded few at a time, with a small
// queue, beyond which a request gets 503 BUSY with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHold, FILES, openDraftRegistry, refusal, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
let validations = 0; // each validation asks the blob store once per file for its size (to read it by ranges)
const held = createHold();

beforeAll(async () => {
  registry = await openDraftRegistry({
    versions: ['1.0.0', '2.0.0', '3.0.0'],
    app: { maxConcurrentValidations: 1, maxQueuedValidations: 0 },
    wrapBlobs: (blobs) => ({
      ...blobs,
      stat: async (sha256) => {
        validations++;
        await held.point();
        return blobs.stat(sha256);
      },
    }),
  });
  for (const version of ['1.0.0', '2.0.0', '3.0.0']) await registry.createDraft(version, { files: true });
});
afterAll(async () => {
  await registry.close();
});

async function report(version: string) {
  const res = await registry.call('GET', `${FILES}/${version}`);
  return { status: res.status, body: (await res.json()) as { report?: { ok: boolean; problems: unknown[] } } };
}

describe('draft reports', () => {
  it('are computed once per set of file digests, however often or concurrently they are asked for', async () => {
    const before = validations;
    const first = await report('1.0.0');
    expect(first.body.report?.ok).toBe(true);
    const once = validations - before;
    expect(once).toBeGreaterThan(0);
    const again = await Promise.all(Array.from({ length: 8 }, () => report('1.0.0')));
    expect(again.map((r) => r.body)).toEqual(Array.from({ length: 8 }, () => first.body));
    expect(validations - before).toBe(once);
  });

  it('are recomputed when a file changes', async () => {
    const sums = await registry.fileBytes('1.0.0', 'shasums');
    expect((await registry.upload('1.0.0', sums.name, Buffer.concat([sums.bytes, Buffer.from('\n')]))).status).toBe(
      200,
    );
    const before = validations;
    const changed = await report('1.0.0');
    expect(validations).toBeGreaterThan(before);
    expect(changed.body.report?.ok).toBe(false);
    await registry.upload('1.0.0', sums.name, sums.bytes);
    expect((await report('1.0.0')).body.report?.ok).toBe(true);
  });

  it('run a bounded number at once: past the slots and the queue, 503 BUSY with Retry-After, and nothing is cached of it', async () => {
    held.arm();
    const running = registry.call('GET', `${FILES}/2.0.0`); // takes the one slot (no queue here)
    await held.reached;
    const busy = await registry.call('GET', `${FILES}/3.0.0`);
    expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refusal(busy)).toEqual({ status: 503, codes: ['BUSY'] });
    // Without a report the version is served at once: only validations wait.
    expect((await registry.call('GET', `${FILES}/3.0.0?report=false`)).status).toBe(200);
    held.release();
    expect((await running).status).toBe(200);
    expect((await report('3.0.0')).body.report?.ok).toBe(true);
  });
});
