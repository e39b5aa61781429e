// Attack: a small zip that inflates far more than any real provider. A 23 KiB zip that honestly declares and
// inflates to 1.86 GiB stayed under the 2 GiB total cap and cost 6 s of CPU on every validation (a draft's
// report is validated on each GET). The inflate ratio is capped too, counted while inflating: such a zip is
// refused from its header without inflating a byte, and one that hides behind many small entries is stopped
// at the budget. Outcomes asserted: the code, the limit named, and how many bytes were inflated.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createFakeExecutable } from '../testing/fake-executable';
import { deflatedZeros, writeRawZip, type RawZipEntry } from '../testing/raw-zip';
import { DEFAULT_ZIP_LIMITS, inflateBudget, inspectZip, type ZipLimits } from '../zip-inspect';

const dir = await mkdtemp(join(tmpdir(), 'signet-zip-ratio-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const MiB = 2 ** 20;
const EXE = 'terraform-provider-hello_v1.0.0';

async function inspect(entries: RawZipEntry[], limits?: ZipLimits) {
  const path = join(dir, 'terraform-provider-hello_1.0.0_linux_amd64.zip');
  await writeRawZip(path, entries);
  const size = (await stat(path)).size;
  const result = await inspectZip(path, { name: 'hello', version: '1.0.0', platform: 'linux_amd64', limits });
  return { result, size };
}

describe('security: zip bomb under the total cap (inflate ratio)', () => {
  it('refuses a 1 MiB zip that honestly inflates to 1 GiB from its header, inflating nothing', async () => {
    const { result, size } = await inspect([
      { name: EXE, compressed: deflatedZeros(1024 * MiB), declaredSize: 1024 * MiB, mode: 0o100755 },
    ]);
    expect(size).toBeLessThan(2 * MiB);
    expect(1024 * MiB).toBeLessThan(DEFAULT_ZIP_LIMITS.maxUncompressedBytes); // the total cap alone lets it in
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_TOO_LARGE']);
    expect(result.problems[0]!.message).toContain(`${DEFAULT_ZIP_LIMITS.maxInflateRatio} inflated bytes per zip byte`);
    expect(result.inflatedBytes).toBe(0);
    expect(result.h1).toBeUndefined();
  });

  it('stops many honest entries that add up past the ratio budget, at the budget', async () => {
    const sixteen = deflatedZeros(16 * MiB);
    const entries = Array.from({ length: 8 }, (_, i) => ({
      name: `${EXE}_${i}`,
      compressed: sixteen,
      declaredSize: 16 * MiB,
    }));
    const limits = { ...DEFAULT_ZIP_LIMITS, ratioExemptBytes: 40 * MiB };
    const { result, size } = await inspect(entries, limits);
    expect(inflateBudget(size, limits).bytes).toBe(40 * MiB);
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_TOO_LARGE']);
    expect(result.problems[0]!.message).toContain(`${EXE}_2`);
    expect(result.inflatedBytes).toBe(32 * MiB);
  });

  it('stops an entry that inflates past what its header declares, whatever the ratio allows', async () => {
    const { result } = await inspect([{ name: EXE, compressed: deflatedZeros(256 * MiB), declaredSize: 4 * MiB }]);
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_TOO_LARGE']);
    expect(result.inflatedBytes).toBeLessThan(4 * MiB + 64 * 1024);
  });

  it('lets a very regular small zip through (the exempt allowance) and a provider-like ratio at any size', async () => {
    const small = await inspect([{ name: EXE, data: createFakeExecutable('linux_amd64', 8 * MiB), mode: 0o100755 }]);
    expect(small.size * DEFAULT_ZIP_LIMITS.maxInflateRatio).toBeLessThan(8 * MiB); // over the ratio, under the allowance
    expect(small.result.problems).toEqual([]);
    expect(small.result.inflatedBytes).toBe(8 * MiB);
    // A Go executable deflates about 3:1: a 100 MiB zip may inflate to 5000 MiB by ratio, the 2 GiB cap decides.
    expect(inflateBudget(100 * MiB).bytes).toBe(DEFAULT_ZIP_LIMITS.maxUncompressedBytes);
    expect(inflateBudget(1 * MiB).bytes).toBe(50 * MiB);
  });
});
