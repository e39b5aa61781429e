// Attack: PUT other bytes to a published version's file with the published file's digest in X-Checksum-SHA256.
// The registry took the header's word and answered 200 {"unchanged":true}: a client (or the Action's re-run) was
// told its different bytes were the published ones. Now the body is hashed (streamed, capped) and compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FILES, openDraftRegistry, refusal, sha256Hex, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;

beforeAll(async () => {
  registry = await openDraftRegistry();
  await registry.createDraft('1.0.0', { files: true });
  expect((await registry.call('POST', `${FILES}/1.0.0/publish`)).status).toBe(200);
});
afterAll(async () => {
  await registry.close();
});

describe('uploads to a published version are proven by their bytes', () => {
  it('refuses other bytes carrying the published digest in X-Checksum-SHA256 (422), and stores nothing', async () => {
    const sums = await registry.fileBytes('1.0.0', 'shasums');
    const other = Buffer.from(sums.bytes.toString('utf8').replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')));
    const res = await registry.upload('1.0.0', sums.name, other, { 'x-checksum-sha256': sha256Hex(sums.bytes) });
    expect(await refusal(res)).toEqual({ status: 422, codes: ['BLOB_DIGEST_MISMATCH'] });
    expect(await registry.blobs.stat(sha256Hex(other))).toBeUndefined();
  });

  it('refuses other bytes with their own digest (409) and without any header (409)', async () => {
    const sums = await registry.fileBytes('1.0.0', 'shasums');
    const other = Buffer.concat([sums.bytes, Buffer.from('\n')]);
    const withHeader = await registry.upload('1.0.0', sums.name, other, { 'x-checksum-sha256': sha256Hex(other) });
    expect(await refusal(withHeader)).toEqual({ status: 409, codes: ['VERSION_PUBLISHED'] });
    expect(await refusal(await registry.upload('1.0.0', sums.name, other))).toEqual({
      status: 409,
      codes: ['VERSION_PUBLISHED'],
    });
  });

  it('answers 200 unchanged for the identical bytes, with or without the header', async () => {
    const sums = await registry.fileBytes('1.0.0', 'shasums');
    const variants: Record<string, string>[] = [{}, { 'x-checksum-sha256': sha256Hex(sums.bytes) }];
    for (const headers of variants) {
      const res = await registry.upload('1.0.0', sums.name, sums.bytes, headers);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { unchanged: boolean }).unchanged).toBe(true);
    }
    const served = await registry.call('GET', `/v1/files/acme/hello/1.0.0/${sums.name}`, { token: null });
    expect(Buffer.from(await served.arrayBuffer()).equals(sums.bytes)).toBe(true);
  });
});
