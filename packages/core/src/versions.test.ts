import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

import { isSignetError } from './errors';
import { checkProtocols, isValidVersion, normalizeProtocols, parseProtocolVersion, parseVersion } from './versions';

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isSignetError(error)) return error;
    throw error;
  }
  throw new Error('expected a SignetError, nothing was thrown');
}

describe('parseVersion', () => {
  it.each([
    ['1.0.0', '1.0.0'],
    ['v1.2.3', '1.2.3'],
    ['1.2.3-beta.1', '1.2.3-beta.1'],
    ['v0.0.1-rc.0-x', '0.0.1-rc.0-x'],
    [' 2.0.0\n', '2.0.0'],
  ])('accepts %j as %j', (input, expected) => {
    expect(parseVersion(input)).toBe(expected);
    expect(isValidVersion(input)).toBe(true);
  });

  it.each([
    '',
    '1',
    '1.0',
    '1.0.0.0',
    '01.0.0',
    '1.0.0-01',
    'V1.0.0',
    'vv1.0.0',
    '=1.0.0',
    'latest',
    '1.0.0-',
    '1.0.0 beta',
  ])('refuses %j', (input) => {
    const error = errorOf(() => parseVersion(input));
    expect(error.code).toBe('VERSION_INVALID');
    expect(error.message).toContain(JSON.stringify(input));
    expect(error.message).toContain('expected semver MAJOR.MINOR.PATCH');
    expect(isValidVersion(input)).toBe(false);
  });

  it('refuses build metadata and says why and what to use instead', () => {
    const error = errorOf(() => parseVersion('v1.2.3+build.5'));
    expect(error.code).toBe('VERSION_INVALID');
    expect(error.message).toContain('"+build.5"');
    expect(error.message).toContain('ignore it when comparing versions');
    expect(error.message).toContain('use "1.2.3"');
  });

  it('accepts exactly strict semver without build metadata, after the tag v and whitespace (property)', () => {
    const versionish = fc.string({ unit: fc.constantFrom(...'0123456789.-+vV= ax'), maxLength: 14 });
    fc.assert(
      fc.property(fc.oneof(versionish, fc.string({ maxLength: 14 })), (input) => {
        const text = input.trim().replace(/^v(?=\d)/, '');
        const strict = semver.valid(text) === text && !text.includes('+');
        expect(isValidVersion(input)).toBe(strict);
      }),
      { numRuns: 2000 },
    );
  });

  const identifier = fc
    .stringMatching(/^(?:0|[1-9]\d{0,5}|[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*)$/)
    .filter((s) => s.length > 0 && s.length < 10);
  const version = fc
    .tuple(
      fc.nat(10_000),
      fc.nat(10_000),
      fc.nat(10_000),
      fc.option(fc.array(identifier, { minLength: 1, maxLength: 3 })),
    )
    .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre.join('.')}` : ''}`);

  it('round-trips every valid version, with or without the tag v (property)', () => {
    fc.assert(
      fc.property(version, (v) => {
        expect(parseVersion(v)).toBe(v);
        expect(parseVersion(`v${v}`)).toBe(v);
        expect(parseVersion(parseVersion(v))).toBe(v);
      }),
    );
  });

  it('refuses any valid version once build metadata is added (property)', () => {
    fc.assert(
      fc.property(version, fc.array(identifier, { minLength: 1, maxLength: 2 }), (v, build) => {
        expect(errorOf(() => parseVersion(`${v}+${build.join('.')}`)).code).toBe('VERSION_INVALID');
      }),
    );
  });
});

describe('parseProtocolVersion', () => {
  it.each([
    ['4', '4.0'],
    ['5', '5.0'],
    ['6', '6.0'],
    ['v5', '5.0'],
    ['V6', '6.0'],
    ['5.0', '5.0'],
    ['6.0', '6.0'],
    ['5.1', '5.1'],
    [' 6 ', '6.0'],
  ])('reads %j as %j', (input, expected) => {
    expect(parseProtocolVersion(input)).toBe(expected);
  });

  it.each(['', 'six', '6.0.0', '6.', '.6', 'v', '-6', '6.x', 'protocol 6'])(
    'refuses %j with PROTOCOL_INVALID',
    (input) => {
      const error = errorOf(() => parseProtocolVersion(input));
      expect(error.code).toBe('PROTOCOL_INVALID');
      expect(error.message).toContain(JSON.stringify(input));
      expect(error.message).toContain('"6.0"');
    },
  );
});

describe('normalizeProtocols', () => {
  it('parses, de-duplicates and sorts numerically', () => {
    expect(normalizeProtocols(['6', 'v5', '6.0', '5.0'])).toEqual(['5.0', '6.0']);
    expect(normalizeProtocols(['10', '9.10', '9.2'])).toEqual(['9.2', '9.10', '10.0']);
  });

  it('refuses an empty list and garbage', () => {
    const empty = errorOf(() => normalizeProtocols([]));
    expect(empty.code).toBe('PROTOCOL_INVALID');
    expect(empty.message).toContain('No protocol versions given');
    expect(empty.message).toContain('"6.0"');
    const garbage = errorOf(() => normalizeProtocols(['6', 'x']));
    expect(garbage.code).toBe('PROTOCOL_INVALID');
    expect(garbage.message).toContain('Invalid protocol version "x"');
  });
});

describe('protocol versions (properties)', () => {
  const major = fc.nat(999);
  const minor = fc.option(fc.nat(999));
  const prefix = fc.constantFrom('', 'v', 'V');

  it('reads [v|V]MAJOR[.MINOR] as MAJOR.MINOR, and its own output unchanged', () => {
    fc.assert(
      fc.property(prefix, major, minor, (p, a, b) => {
        const parsed = parseProtocolVersion(`${p}${a}${b === null ? '' : `.${b}`}`);
        expect(parsed).toBe(`${a}.${b ?? 0}`);
        expect(parseProtocolVersion(parsed)).toBe(parsed);
      }),
    );
  });

  it('normalizeProtocols gives each protocol once, in numeric order, whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(prefix, major, minor), { minLength: 1, maxLength: 8 }), (list) => {
        const inputs = list.map(([p, a, b]) => `${p}${a}${b === null ? '' : `.${b}`}`);
        const result = normalizeProtocols(inputs);
        expect(new Set(result)).toEqual(new Set(inputs.map(parseProtocolVersion)));
        const pairs = result.map((r) => r.split('.').map(Number) as [number, number]);
        for (let i = 1; i < pairs.length; i++) {
          const [[a1, b1], [a2, b2]] = [pairs[i - 1]!, pairs[i]!];
          expect(a1 < a2 || (a1 === a2 && b1 < b2)).toBe(true);
        }
        expect(normalizeProtocols([...inputs].reverse())).toEqual(result);
      }),
    );
  });
});

describe('checkProtocols', () => {
  it('has nothing to say about 5.x and 6.x', () => {
    expect(checkProtocols(['5.0', '6.0', '5.1'])).toEqual([]);
  });

  it('warns about 4.x, which only terraform 0.11 and older install', () => {
    const problems = checkProtocols(['4.0', '6.0']);
    expect(problems.map((p) => [p.code, p.severity])).toEqual([['PROTOCOL_UNSUPPORTED', 'warning']]);
    expect(problems[0]!.message).toContain('"4.0"');
    expect(problems[0]!.message).toContain('>= 5, < 7');
    expect(problems[0]!.message).toContain('cannot install it');
  });

  it.each(['7.0', '7.1', '8.0', '10'])('refuses %s, which no tofu/terraform speaks, as an error', (protocol) => {
    const problems = checkProtocols(['6.0', protocol]);
    expect(problems.map((p) => [p.code, p.severity])).toEqual([['PROTOCOL_UNSUPPORTED', 'error']]);
    expect(problems[0]!.message).toMatch(/newer than any tofu\/terraform speaks.*no client can install it/);
  });

  it('reads loose forms and reports garbage as an error instead of throwing', () => {
    expect(checkProtocols(['v4'])).toHaveLength(1);
    expect(checkProtocols(['nonsense'])).toEqual([
      expect.objectContaining({ code: 'PROTOCOL_UNSUPPORTED', severity: 'error' }),
    ]);
  });
});
