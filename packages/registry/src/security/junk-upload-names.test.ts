// Attack: upload files named for no real platform (`…_plan9_vax.zip`, `…_linux_amd65.zip`) or with names thousands
// of characters long. They were streamed, stored and listed, each one more draft file nobody could ever install.
// Now such names are refused with a 400 before the body is read or anything is looked up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FILES, openDraftRegistry, refusal, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;

beforeAll(async () => {
  registry = await openDraftRegistry();
  await registry.createDraft('1.0.0');
});
afterAll(async () => {
  await registry.close();
});

/** A body that records whether the server started reading it. */
function watchedBody() {
  const state = { read: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.read = true;
        controller.enqueue(new Uint8Array(1024));
        controller.close();
      },
    },
    { highWaterMark: 0 }, // pulled only when the server reads
  );
  return { state, stream };
}

describe('upload names of no real platform or of absurd length', () => {
  it.each([
    ['plan9_vax', 'terraform-provider-hello_1.0.0_plan9_vax.zip', 'PLATFORM_UNKNOWN'],
    ['linux_amd65', 'terraform-provider-hello_1.0.0_linux_amd65.zip', 'PLATFORM_UNKNOWN'],
    ['a 4000-character arch', `terraform-provider-hello_1.0.0_linux_${'a'.repeat(4000)}.zip`, 'FILENAME_INVALID'],
  ])('%s is a 400 %s before the body is read', async (_label, name, code) => {
    const { state, stream } = watchedBody();
    const res = await registry.upload('1.0.0', name, stream);
    expect(await refusal(res)).toEqual({ status: 400, codes: [code] });
    expect(state.read).toBe(false);
  });

  it('leaves the draft and the blob store empty', async () => {
    const version = (await (await registry.call('GET', `${FILES}/1.0.0?report=false`)).json()) as { files: unknown[] };
    expect(version.files).toEqual([]);
    expect(await registry.storedDigests()).toEqual([]);
  });
});
