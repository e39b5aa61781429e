// Attack: a publish token fills the disk with drafts: many versions, each with files up to the size cap, never
// published. Now the drafts of a namespace together may hold at most a configurable number of bytes (app option
// `draftQuotaBytes`, `signet serve --draft-quota`): an upload past it gets 413 QUOTA_EXCEEDED (the payload does
// not fit; not a 5xx, which clients retry), at once when Content-Length says so, and nothing is stored. Publishing
// or deleting drafts frees the quota.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FILES, openDraftRegistry, refusal, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
const QUOTA = 10_000;
const sums = (version: string) => `terraform-provider-hello_${version}_SHA256SUMS`;
const manifest = (version: string) => `terraform-provider-hello_${version}_manifest.json`;

beforeAll(async () => {
  registry = await openDraftRegistry({ app: { draftQuotaBytes: QUOTA } });
  await registry.createDraft('1.0.0');
  await registry.createDraft('2.0.0');
});
afterAll(async () => {
  await registry.close();
});

describe('a byte quota for the drafts of a namespace', () => {
  it('takes uploads up to the quota, across drafts', async () => {
    expect((await registry.upload('1.0.0', sums('1.0.0'), new Uint8Array(6000).fill(1))).status).toBe(201);
    expect((await registry.upload('2.0.0', sums('2.0.0'), new Uint8Array(4000).fill(2))).status).toBe(201);
  });

  it('refuses the next byte with 413 QUOTA_EXCEEDED, from Content-Length or while streaming, storing nothing', async () => {
    const before = await registry.storedDigests();
    const declared = await registry.upload('2.0.0', manifest('2.0.0'), new Uint8Array(1).fill(3), {
      'content-length': '1',
    });
    const { status, codes } = await refusal(declared);
    expect({ status, codes }).toEqual({ status: 413, codes: ['QUOTA_EXCEEDED'] });
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10).fill(4));
        controller.close();
      },
    });
    expect(await refusal(await registry.upload('2.0.0', manifest('2.0.0'), streamed))).toEqual({
      status: 413,
      codes: ['QUOTA_EXCEEDED'],
    });
    expect(await registry.storedDigests()).toEqual(before);
  });

  it('says what the quota is and what to do', async () => {
    const res = await registry.upload('2.0.0', manifest('2.0.0'), 'x');
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toContain(`${QUOTA} bytes`);
    expect(body.errors[0]!.message).toContain('--draft-quota');
  });

  it('counts a replaced file by its new size, and frees what a deleted draft held', async () => {
    expect((await registry.upload('1.0.0', sums('1.0.0'), new Uint8Array(5000).fill(5))).status).toBe(200);
    expect((await registry.upload('2.0.0', manifest('2.0.0'), new Uint8Array(1000).fill(6))).status).toBe(201);
    expect((await registry.call('DELETE', `${FILES}/1.0.0`)).status).toBe(200);
    expect((await registry.upload('2.0.0', sums('2.0.0'), new Uint8Array(9000).fill(7))).status).toBe(200);
  });
});
