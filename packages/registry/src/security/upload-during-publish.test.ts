// Attack: PUT a draft file while POST …/publish validates the draft. It used to be accepted: the management API
// then listed bytes that were never validated while the file route served others, and the version could never be
// published again. Now a publish holds a lease in the store from its first read to its flip, and the flip happens
// only if the stored files are exactly those validated (both in the store's transaction, so they hold across
// processes sharing a store): the upload, a file delete and a draft delete get 409 and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHold, FILES, openDraftRegistry, refusal, sha256Hex, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
// Holds the publish in the middle of its validation: the validator asks the blob store for each file's size.
const validating = createHold();

beforeAll(async () => {
  registry = await openDraftRegistry({
    wrapBlobs: (blobs) => ({
      ...blobs,
      stat: async (sha256) => {
        await validating.point();
        return blobs.stat(sha256);
      },
    }),
  });
  await registry.createDraft('1.0.0', { files: true });
});
afterAll(async () => {
  await registry.close();
});

describe('an upload racing a publish', () => {
  it('gets 409 UPLOAD_CONFLICT and changes nothing; the publish flips exactly the files it validated', async () => {
    const sums = await registry.fileBytes('1.0.0', 'shasums');
    const zip = await registry.fileBytes('1.0.0', 'zip');
    const before = await registry.metadata.listFiles('acme', 'hello', '1.0.0');

    validating.arm();
    const publishing = registry.call('POST', `${FILES}/1.0.0/publish`);
    await validating.reached;

    const other = Buffer.concat([sums.bytes, Buffer.from('# not validated\n')]);
    const put = await registry.upload('1.0.0', sums.name, other);
    expect(await refusal(put)).toEqual({ status: 409, codes: ['UPLOAD_CONFLICT'] });
    expect((await refusal(await registry.call('DELETE', `${FILES}/1.0.0/files/${zip.name}`))).status).toBe(409);
    expect((await refusal(await registry.call('DELETE', `${FILES}/1.0.0`))).status).toBe(409);
    expect(await registry.metadata.listFiles('acme', 'hello', '1.0.0')).toEqual(before);
    expect(await registry.blobs.stat(sha256Hex(other))).toBeUndefined();

    validating.release();
    expect((await publishing).status).toBe(200);

    // What the management API lists is what the file route serves, and both are what was validated.
    const listed = (await (await registry.call('GET', `${FILES}/1.0.0?report=false`)).json()) as {
      state: string;
      files: { name?: string; file_name?: string; sha256: string }[];
    };
    expect(listed.state).toBe('published');
    expect(listed.files.map((f) => f.sha256).sort()).toEqual(before.map((f) => f.sha256).sort());
    const served = await registry.call('GET', `/v1/files/acme/hello/1.0.0/${sums.name}`, { token: null });
    expect(sha256Hex(Buffer.from(await served.arrayBuffer()))).toBe(sha256Hex(sums.bytes));
  });
});
