import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isSignetError } from './errors';
import { compareUtf8, formatShasums, parseShasums, type ShasumsEntry } from './shasums';

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isSignetError(error)) return error;
    throw error;
  }
  throw new Error('expected a SignetError, nothing was thrown');
}

const A = 'a'.repeat(64);
const B = '0123456789abcdef'.repeat(4);
const ZIP = 'terraform-provider-hello_1.0.0_linux_amd64.zip';
const MANIFEST = 'terraform-provider-hello_1.0.0_manifest.json';

describe('formatShasums', () => {
  it('writes sha256sum output sorted by name, lower-case, LF', () => {
    const text = formatShasums([
      { sha256: B.toUpperCase(), fileName: MANIFEST },
      { sha256: A, fileName: ZIP },
    ]);
    expect(text).toBe(`${A}  ${ZIP}\n${B}  ${MANIFEST}\n`);
  });

  it("sorts by UTF-8 bytes like Go, not by JavaScript's UTF-16 order", () => {
    const names = ['\uFF21.zip', '\u{1F600}.zip'];
    expect([...names].sort()).toEqual(['\u{1F600}.zip', '\uFF21.zip']);
    expect(
      parseShasums(formatShasums(names.map((fileName) => ({ sha256: A, fileName })))).map((e) => e.fileName),
    ).toEqual(names);
    expect(compareUtf8('\uFF21', '\u{1F600}')).toBeLessThan(0);
  });

  it('compareUtf8 orders any two well-formed strings as their UTF-8 bytes do', () => {
    // Strings of full code points (no lone surrogates, which UTF-8 cannot hold), weighted towards the edges:
    // ASCII, U+D7FF/U+E000 around the surrogate block, U+FFFF and the astral planes.
    const edges = fc.constantFrom('a', 'b', '\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{10FFFF}');
    const text = fc
      .array(fc.oneof(edges, fc.string({ unit: 'grapheme', maxLength: 2 })), { maxLength: 6 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(compareUtf8(a, b)).toBe(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    [{ sha256: 'abc', fileName: ZIP }, 'is not 64 hex digits'],
    [{ sha256: A, fileName: 'with space.zip' }, 'without whitespace'],
    [{ sha256: A, fileName: '*binary.zip' }, 'does not start with "*"'],
    [{ sha256: A, fileName: '' }, 'non-empty file name'],
  ])('refuses an entry it could not read back: %j', (entry, why) => {
    const error = errorOf(() => formatShasums([entry]));
    expect(error.code).toBe('SHASUMS_MALFORMED');
    expect(error.message).toContain(why);
  });

  it('refuses a file listed twice', () => {
    expect(
      errorOf(() =>
        formatShasums([
          { sha256: A, fileName: ZIP },
          { sha256: B, fileName: ZIP },
        ]),
      ).message,
    ).toContain('twice');
  });
});

describe('parseShasums', () => {
  it('reads what terraform reads: one or two spaces, tabs, CRLF, upper-case hex, blank trailing lines', () => {
    const text = `${A.toUpperCase()} ${ZIP}\r\n${B}\t${MANIFEST}\r\n\r\n`;
    expect(parseShasums(text)).toEqual([
      { sha256: A, fileName: ZIP },
      { sha256: B, fileName: MANIFEST },
    ]);
    expect(parseShasums(`${A}  ${ZIP}`)).toEqual([{ sha256: A, fileName: ZIP }]);
    expect(parseShasums(`  ${A}  ${ZIP}  \n`)).toEqual([{ sha256: A, fileName: ZIP }]);
  });

  it.each([
    ['the binary-mode *name form', `${A} *${ZIP}\n`, 1, 'binary-mode "*name"'],
    ['a short hash', `${A}  ${ZIP}\nabc  ${MANIFEST}\n`, 2, '"abc" (3 characters)'],
    ['a non-hex hash', `${'g'.repeat(64)}  ${ZIP}\n`, 1, 'expected a SHA-256 of 64 hex digits'],
    ['a name with a space', `${A}  my file.zip\n`, 1, '3 whitespace-separated field(s)'],
    ['a hash alone', `${A}\n`, 1, '1 whitespace-separated field(s)'],
    ['a BSD-style line', `SHA256 (${ZIP}) = ${A}\n`, 1, 'expected "<64 hex digits>  <file name>"'],
    ['a blank line between entries', `${A}  ${ZIP}\n\n${B}  ${MANIFEST}\n`, 2, 'empty line between entries'],
    ['a file listed twice', `${A}  ${ZIP}\n${B}  ${ZIP}\n`, 2, 'already listed above'],
    ['a byte-order mark', `\uFEFF${A}  ${ZIP}\n`, 1, 'byte-order mark'],
  ])('refuses %s, naming the line', (_label, text, line, why) => {
    const error = errorOf(() => parseShasums(text));
    expect(error.code).toBe('SHASUMS_MALFORMED');
    expect(error.message).toContain(`SHA256SUMS line ${line} (`);
    expect(error.message).toContain(why);
  });

  it.each(['', '\n', ' \r\n\r\n'])('refuses an empty file %j', (text) => {
    expect(errorOf(() => parseShasums(text)).message).toContain('SHA256SUMS is empty');
  });
});

describe('SHA256SUMS (properties)', () => {
  const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
  const fileName = fc
    .string({ minLength: 1, maxLength: 30, unit: 'grapheme' })
    .filter((name) => /^[^\s*]\S*$/.test(name));
  const entries = fc.uniqueArray(fc.record({ sha256: hex, fileName }), {
    selector: (e) => e.fileName,
    minLength: 1,
    maxLength: 20,
  });
  const sorted = (list: ShasumsEntry[]): ShasumsEntry[] =>
    [...list].sort((a, b) => compareUtf8(a.fileName, b.fileName));

  it('parse(format(entries)) gives the entries back, sorted by UTF-8 bytes', () => {
    fc.assert(
      fc.property(entries, (list) => {
        expect(parseShasums(formatShasums(list))).toEqual(sorted(list));
      }),
    );
  });

  it('format is a fixed point: formatting parsed output gives the same bytes', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const text = formatShasums(list);
        expect(formatShasums(parseShasums(text))).toBe(text);
      }),
    );
  });

  it('reads terraform-accepted variants (CRLF, upper case, one space, tab) as the canonical entries', () => {
    const variant = fc.record({
      upper: fc.boolean(),
      separator: fc.constantFrom(' ', '  ', '\t', ' \t '),
      eol: fc.constantFrom('\n', '\r\n'),
    });
    fc.assert(
      fc.property(entries, variant, (list, { upper, separator, eol }) => {
        const text = list
          .map((e) => `${upper ? e.sha256.toUpperCase() : e.sha256}${separator}${e.fileName}${eol}`)
          .join('');
        expect(parseShasums(text)).toEqual(list);
      }),
    );
  });

  it('refuses the binary-mode *name form on any line, naming that line', () => {
    fc.assert(
      fc.property(
        entries.chain((list) => fc.tuple(fc.constant(list), fc.nat(list.length - 1))),
        fc.constantFrom(' *', '  *'),
        ([list, index], separator) => {
          const lines = formatShasums(list).split('\n');
          lines[index] = lines[index]!.replace('  ', separator);
          const error = errorOf(() => parseShasums(lines.join('\n')));
          expect(error.code).toBe('SHASUMS_MALFORMED');
          expect(error.message).toContain(`SHA256SUMS line ${index + 1} (`);
          expect(error.message).toContain('binary-mode "*name"');
        },
      ),
    );
  });

  it('either parses or throws SHASUMS_MALFORMED on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseShasums(text);
        } catch (error) {
          expect(isSignetError(error, 'SHASUMS_MALFORMED')).toBe(true);
        }
      }),
    );
  });
});
