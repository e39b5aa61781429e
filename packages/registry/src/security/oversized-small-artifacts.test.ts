// Attack: upload a 300 MiB "SHA256SUMS" (or .sig, or manifest) to a draft. Those are read whole by the validator on
// every report and publish, so three of them took 600 MiB per request. Now each artifact kind has the validator's
// own cap (ARTIFACT_SIZE_LIMITS of the core), refused at once from Content-Length (before a byte is read) and while
// streaming: 413 with the very problem `signet validate` reports for that file, nothing stored. Zips keep the
// server's file size cap.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ARTIFACT_SIZE_LIMITS } from '@signet/core';
import { validateRelease } from '@signet/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FILES, openDraftRegistry, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
const { shasums: maxShasumsBytes, signature: maxSignatureBytes, manifest: maxManifestBytes } = ARTIFACT_SIZE_LIMITS;

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

/** The status and error entries of a refusal. */
async function refusalOf(res: Response): Promise<{ status: number; errors: unknown[] }> {
  return { status: res.status, errors: ((await res.json()) as { errors: unknown[] }).errors };
}

/** What `signet validate` (the core's validateRelease) reports about `name` in the release when it has `size` bytes. */
async function validatorProblems(name: string, size: number): Promise<unknown[]> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-oversized-'));
  try {
    const path = join(dir, name);
    await writeFile(path, Buffer.alloc(size, 0x61));
    const files = registry.releases
      .get('1.0.0')!
      .files.map((f) => (f.fileName === name ? { fileName: name, path } : f));
    const report = await validateRelease({ files, name: 'hello', version: '1.0.0' });
    return report.problems.filter((p) => p.file === name);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("small artifacts have the validator's caps", () => {
  const cases = [
    ['SHA256SUMS', 'terraform-provider-hello_1.0.0_SHA256SUMS', maxShasumsBytes, 'SHASUMS_MALFORMED'],
    ['signature', 'terraform-provider-hello_1.0.0_SHA256SUMS.sig', maxSignatureBytes, 'SIGNATURE_INVALID'],
    ['manifest', 'terraform-provider-hello_1.0.0_manifest.json', maxManifestBytes, 'MANIFEST_INVALID'],
  ] as const;

  it.each(cases)(
    'a %s over its cap is refused from Content-Length before the body is read, with the problem validate reports',
    async (_kind, name, cap, code) => {
      const { state, stream } = countedBody(cap + 1);
      const res = await registry.upload('1.0.0', name, stream, { 'content-length': String(cap + 1) });
      const expected = await validatorProblems(name, cap + 1);
      expect(expected).toEqual([expect.objectContaining({ code, file: name, severity: 'error' })]);
      expect(await refusalOf(res)).toEqual({ status: 413, errors: expected });
      expect(state.pulled).toBeLessThanOrEqual(1); // the stream pre-fills one chunk itself; the server read none
    },
  );

  it.each(cases)(
    'a %s over its cap without Content-Length is cut off while streaming, with the same problem code',
    async (_kind, name, cap, code) => {
      const { state, stream } = countedBody(300 * 1024 ** 2);
      const res = await registry.upload('1.0.0', name, stream);
      const { status, errors } = await refusalOf(res);
      expect(status).toBe(413);
      expect(errors).toEqual([{ code, severity: 'error', file: name, message: expect.any(String) as unknown }]);
      expect((errors[0] as { message: string }).message).toContain(
        `${JSON.stringify(name)} has more than ${cap} bytes; the limit is ${cap} bytes`,
      );
      expect(state.pulled).toBeLessThan(Math.ceil(cap / (64 * 1024)) + 4);
    },
  );

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
