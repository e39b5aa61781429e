// Attack: a zip bomb. A few megabytes that inflate to gigabytes: declared honestly (over the limit) or hidden
// behind a header that claims a few bytes. Signet must stop while inflating, with ZIP_TOO_LARGE, after inflating
// no more than the header allowed (`inflatedBytes`), with flat memory: nothing is buffered.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { deflatedZeros, writeRawZip } from '../testing/raw-zip';
import { inspectZip } from '../zip-inspect';

const dir = await mkdtemp(join(tmpdir(), 'signet-zip-bomb-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const deflatedGiB = (gib: number) => deflatedZeros(gib * 2 ** 30);

async function inspectBomb(compressed: Buffer, declaredSize: number) {
  const path = join(dir, `terraform-provider-hello_1.0.0_linux_amd64.zip`);
  await writeRawZip(path, [{ name: 'terraform-provider-hello_v1.0.0', compressed, declaredSize, mode: 0o100755 }]);
  expect((await stat(path)).size).toBeLessThan(10 * 2 ** 20);
  const before = process.memoryUsage().rss;
  const result = await inspectZip(path, { name: 'hello', version: '1.0.0', platform: 'linux_amd64' });
  return { result, grewMiB: (process.memoryUsage().rss - before) / 2 ** 20 };
}

describe('security: zip bomb', () => {
  it('stops a 5 GiB bomb whose header claims 1 KiB as soon as it inflates past 1 KiB', async () => {
    const { result, grewMiB } = await inspectBomb(deflatedGiB(5), 1024);
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_TOO_LARGE']);
    expect(result.problems[0]!.message).toMatch(/declares/);
    expect(result.h1).toBeUndefined();
    // Stopped at the first chunk past 1 KiB (an inflate chunk is at most 64 KiB).
    expect(result.inflatedBytes).toBeLessThan(1024 + 64 * 1024);
    expect(grewMiB).toBeLessThan(100);
  });

  it('refuses an honest 3 GiB bomb (over the 2 GiB default) from its header, without inflating it', async () => {
    const { result, grewMiB } = await inspectBomb(deflatedGiB(3), 3 * 2 ** 30);
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_TOO_LARGE']);
    expect(result.problems[0]!.message).toContain(String(3 * 2 ** 30));
    expect(result.inflatedBytes).toBe(0);
    expect(grewMiB).toBeLessThan(100);
  });

  it('counts every entry against one budget (overlapping or repeated entries cannot add up unseen)', async () => {
    const path = join(dir, 'many.zip');
    const sixteen = deflatedGiB(1 / 64); // 16 MiB each, declared honestly
    const entry = (i: number) => ({
      name: `terraform-provider-hello_${i}`,
      compressed: sixteen,
      declaredSize: 16 * 2 ** 20,
    });
    await writeRawZip(path, [entry(1), entry(2), entry(3)]);
    // The ratio is lifted so the total alone decides (zip-bomb-ratio.test.ts covers the ratio).
    const limits = { maxEntries: 10, maxUncompressedBytes: 40 * 2 ** 20, maxInflateRatio: 1e6 };
    const result = await inspectZip(path, { name: 'hello', version: '1.0.0', platform: 'linux_amd64', limits });
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_TOO_LARGE']);
    expect(result.problems[0]!.message).toContain('terraform-provider-hello_3');
    expect(result.inflatedBytes).toBe(32 * 2 ** 20);
  });
});
