// Attack: upload a 300 MiB "SHA256SUMS" (or .sig, or manifest) to a draft. Those are read whole by the validator on
// every report and publish, so three of them took 600 MiB per request. Now each artifact kind has its own cap,
// refused at once from Content-Length (before a byte is read) and while streaming: 413, nothing stored. Zips keep
// the server's file size cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_SMALL_FILE_LIMITS } from '../services/upload-limits';
import { FILES, openDraftRegistry, refusal, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
const { maxShasumsBytes, maxSignatureBytes, maxManifestBytes } = DEFAULT_SMALL_FILE_LIMITS;

beforeAll(async () => {
  registry = await openDraftRegistry();
  await registry.createDraft('1.0.0');
});
afterAll(async () => {
  await registry.close();
});

/** A body that counts how many chunks the server pulled. */
function countedBody(total: number, chunk = 64 * 1024) {
  const state = { pulled: 0 };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      state.pulled++;
      const size = Math.min(chunk, total - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
  return { state, stream };
}

describe('small artifacts have small caps', () => {
  const cases = [
    ['SHA256SUMS', 'terraform-provider-hello_1.0.0_SHA256SUMS', maxShasumsBytes],
    ['signature', 'terraform-provider-hello_1.0.0_SHA256SUMS.sig', maxSignatureBytes],
    ['manifest', 'terraform-provider-hello_1.0.0_manifest.json', maxManifestBytes],
  ] as const;

  it.each(cases)(
    'a %s over its cap is refused from Content-Length before the body is read',
    async (_kind, name, cap) => {
      const { state, stream } = countedBody(cap + 1);
      const res = await registry.upload('1.0.0', name, stream, { 'content-length': String(cap + 1) });
      expect(await refusal(res)).toEqual({ status: 413, codes: ['BLOB_TOO_LARGE'] });
      expect(state.pulled).toBeLessThanOrEqual(1); // the stream pre-fills one chunk itself; the server read none
    },
  );

  it.each(cases)('a %s over its cap without Content-Length is cut off while streaming', async (_kind, name, cap) => {
    const { state, stream } = countedBody(300 * 1024 ** 2);
    const res = await registry.upload('1.0.0', name, stream);
    expect(await refusal(res)).toEqual({ status: 413, codes: ['BLOB_TOO_LARGE'] });
    expect(state.pulled).toBeLessThan(Math.ceil(cap / (64 * 1024)) + 4);
  });

  it.each(cases)('a %s of exactly its cap is taken', async (_kind, name, cap) => {
    const res = await registry.upload('1.0.0', name, new Uint8Array(cap).fill(name.length)); // distinct bytes per kind
    expect(res.status).toBe(201);
  });

  it('stores nothing of the refused uploads', async () => {
    const files = (await (await registry.call('GET', `${FILES}/1.0.0?report=false`)).json()) as {
      files: { size: number }[];
    };
    expect(files.files.map((f) => f.size).sort((a, b) => a - b)).toEqual(
      [maxSignatureBytes, maxManifestBytes, maxShasumsBytes].sort((a, b) => a - b),
    );
    expect(await registry.storedDigests()).toHaveLength(3);
  });
});
