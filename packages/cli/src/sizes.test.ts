import { describe, expect, it } from 'vitest';

import { parseSize, parseSizeFlag } from './sizes';

describe('parseSize', () => {
  it.each([
    ['1073741824', 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['1 GiB', 1024 ** 3],
    ['1gib', 1024 ** 3],
    ['1g', 1024 ** 3],
    ['1G', 1024 ** 3],
    ['1GB', 1000 ** 3],
    ['1gb', 1000 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['512m', 512 * 1024 ** 2],
    ['64KiB', 64 * 1024],
    ['64kB', 64 * 1000],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['10B', 10],
    ['2TiB', 2 * 1024 ** 4],
  ])('%s is %i bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['lots', '', '1 GiBs', '-1', '1e9', 'GiB', '1 gigabyte', '99999999999TiB'])('%j is no size', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('parseSizeFlag', () => {
  it('takes the fallback when the flag is absent', () => {
    expect(parseSizeFlag(undefined, '--max-file-size', 7)).toBe(7);
  });

  it.each(['lots', '0', '0GiB'])('refuses %j with the forms it takes', (value) => {
    expect(() => parseSizeFlag(value, '--draft-quota', 7)).toThrow(
      new RegExp(
        `--draft-quota ${JSON.stringify(value)}: expected a size above 0 in bytes \\(1073741824\\), 1GiB or 1g`,
      ),
    );
  });
});
