// Attack: with a publish token, upload files to drafts and delete them (or replace them), again and again. Their
// bytes stayed in DATA/blobs for ever: the disk filled. Now bytes no record references are removed when a draft is
// deleted, a draft file replaced, or a single draft file deleted (DELETE …/files/NAME); bytes another version still
// uses stay. The blob store is shared and content-addressed, so the removal must not race an upload of the same
// bytes: committing bytes + writing their record, and checking references + deleting, exclude each other per digest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MetadataStore } from '../storage/metadata-store';
import { createHold, FILES, openDraftRegistry, refusal, sha256Hex, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
// Holds an upload after its bytes are committed, before its record is written.
const recording = createHold();
let racing = false;
let draftDeleted = () => {};
const draftRecordsGone = new Promise<void>((resolve) => (draftDeleted = resolve));

beforeAll(async () => {
  registry = await openDraftRegistry({
    versions: ['1.0.0', '2.0.0'],
    wrapMetadata: (metadata): MetadataStore => ({
      ...metadata,
      putFile: async (...args) => {
        await recording.point();
        return metadata.putFile(...args);
      },
      deleteDraft: async (...args) => {
        const result = await metadata.deleteDraft(...args);
        if (racing) draftDeleted();
        return result;
      },
    }),
  });
});
afterAll(async () => {
  await registry.close();
});

describe('bytes no record references are removed', () => {
  it('when a draft is deleted', async () => {
    await registry.createDraft('1.0.0', { files: true });
    expect(await registry.storedDigests()).toHaveLength(6);
    expect((await registry.call('DELETE', `${FILES}/1.0.0`)).status).toBe(200);
    expect(await registry.storedDigests()).toEqual([]);
  });

  it('when a draft file is replaced or deleted on its own', async () => {
    await registry.createDraft('1.0.0');
    const name = 'terraform-provider-hello_1.0.0_SHA256SUMS';
    await registry.upload('1.0.0', name, 'first\n');
    expect((await registry.upload('1.0.0', name, 'second\n')).status).toBe(200);
    expect(await registry.storedDigests()).toEqual([sha256Hex('second\n')]);
    const deleted = await registry.call('DELETE', `${FILES}/1.0.0/files/${name}`);
    expect(await deleted.json()).toEqual({ deleted: true });
    expect(await registry.storedDigests()).toEqual([]);
    expect(await refusal(await registry.call('DELETE', `${FILES}/1.0.0/files/${name}`))).toEqual({
      status: 404,
      codes: ['NOT_FOUND'],
    });
    expect((await registry.call('DELETE', `${FILES}/1.0.0`)).status).toBe(200);
  });

  it('but not bytes another draft or a published version still uses', async () => {
    await registry.createDraft('1.0.0', { files: true });
    expect((await registry.call('POST', `${FILES}/1.0.0/publish`)).status).toBe(200);
    const published = await registry.storedDigests();
    const zip = await registry.fileBytes('1.0.0', 'zip');
    await registry.createDraft('2.0.0');
    // Same bytes under 2.0.0's name: the validator says it is for another version, the store keeps one copy.
    const sums = 'terraform-provider-hello_2.0.0_SHA256SUMS';
    await registry.upload('2.0.0', sums, zip.bytes);
    expect((await registry.call('DELETE', `${FILES}/2.0.0`)).status).toBe(200);
    expect(await registry.storedDigests()).toEqual(published);
    expect((await registry.call('DELETE', `${FILES}/1.0.0/files/${zip.name}`)).status).toBe(409);
    expect(await registry.storedDigests()).toEqual(published);
  });

  it('never the bytes an upload racing the removal is about to reference', async () => {
    const bytes = 'shared bytes\n';
    const digest = sha256Hex(bytes);
    const name = 'terraform-provider-hello_2.0.0_SHA256SUMS';
    await registry.createDraft('2.0.0');
    await registry.upload('2.0.0', name, bytes); // 2.0.0 holds the bytes...
    await registry.call('POST', FILES, {
      json: { version: '3.0.0', protocols: ['6.0'], key_id: registry.releases.get('2.0.0')!.keyId },
    });

    recording.arm();
    racing = true;
    // ...an upload of the same bytes to 3.0.0 finds them stored and is about to write its record...
    const upload = registry.upload('3.0.0', name.replace('2.0.0', '3.0.0'), bytes);
    await recording.reached;
    // ...when 2.0.0, the only record so far, is deleted.
    const deleting = registry.call('DELETE', `${FILES}/2.0.0`);
    await draftRecordsGone; // the removal now runs while the upload is held: it must wait for the upload's record
    recording.release();
    expect((await upload).status).toBe(201);
    expect((await deleting).status).toBe(200);
    expect(await registry.metadata.isBlobReferenced(digest)).toBe(true);
    expect(await registry.blobs.stat(digest)).toEqual({ size: bytes.length });
  });
});
