import { SignetError } from './errors';

/** One line of a SHA256SUMS file. */
export interface ShasumsEntry {
  /** Lower-case hex SHA-256. */
  sha256: string;
  fileName: string;
}

/**
 * Compares names by their UTF-8 bytes, as Go's sort.Strings does (JS `<` compares UTF-16 units). UTF-8 byte order
 * is code point order, which differs from UTF-16 unit order only where a surrogate (a code point above U+FFFF)
 * meets a unit from U+E000 to U+FFFF: the surrogate sorts after. Returns -1, 0 or 1, without encoding either name.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const HEX_64 = /^[0-9a-fA-F]{64}$/;
// Terraform splits each line on whitespace and compares the second field with the zip's name, so a name with
// whitespace in it can never match; a leading `*` is `sha256sum -b`'s binary marker, which terraform keeps as
// part of the name (terraform-protocol.md §2.2).
const FILE_NAME = /^[^\s*]\S*$/;

/**
 * `sha256sum` output: `<hex>  <name>\n` per file, sorted by the names' UTF-8 bytes, LF line endings. Throws
 * `SHASUMS_MALFORMED` for entries that `parseShasums` (and terraform) would not read back: a hash that is not
 * 64 hex digits, a name that is empty, holds whitespace or starts with `*`, or a name listed twice.
 */
export function formatShasums(entries: readonly ShasumsEntry[]): string {
  const seen = new Set<string>();
  for (const { sha256, fileName } of entries) {
    if (!HEX_64.test(sha256)) {
      throw new SignetError(
        'SHASUMS_MALFORMED',
        `Cannot list ${JSON.stringify(fileName)} in SHA256SUMS: its hash ${JSON.stringify(sha256)} is not 64 hex digits; pass the file's SHA-256 as hex.`,
      );
    }
    if (!FILE_NAME.test(fileName)) {
      throw new SignetError(
        'SHASUMS_MALFORMED',
        `Cannot list ${JSON.stringify(fileName)} in SHA256SUMS: expected a non-empty file name without whitespace that does not start with "*"; rename the file.`,
      );
    }
    if (seen.has(fileName)) {
      throw new SignetError(
        'SHASUMS_MALFORMED',
        `Cannot list ${JSON.stringify(fileName)} in SHA256SUMS twice; pass each file once.`,
      );
    }
    seen.add(fileName);
  }
  return [...entries]
    .sort((a, b) => compareUtf8(a.fileName, b.fileName))
    .map((e) => `${e.sha256.toLowerCase()}  ${e.fileName}\n`)
    .join('');
}

/**
 * Parses SHA256SUMS the way terraform reads it (terraform-protocol.md §2.2): lines split on LF (a CR before it
 * is dropped), fields split on whitespace (one or more, leading and trailing ones ignored), hex in either
 * case (returned lower-cased). Blank lines at the end are fine; a blank line between entries, a third field,
 * `sha256sum -b`'s `*name` form (terraform then finds no hash for the file) and a name listed twice are
 * refused. Throws `SHASUMS_MALFORMED` naming the line.
 */
export function parseShasums(text: string): ShasumsEntry[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) {
    throw new SignetError(
      'SHASUMS_MALFORMED',
      'SHA256SUMS is empty; expected one "<64 hex digits>  <file name>" line per zip and for the manifest (regenerate it with signet package).',
    );
  }
  const entries: ShasumsEntry[] = [];
  const seen = new Set<string>();
  for (const [index, line] of lines.entries()) {
    const entry = parseLine(line, index);
    if (seen.has(entry.fileName))
      throw malformed(index, line, `${JSON.stringify(entry.fileName)} is already listed above; keep one line per file`);
    seen.add(entry.fileName);
    entries.push(entry);
  }
  return entries;
}

function parseLine(line: string, index: number): ShasumsEntry {
  if (line.trim() === '') throw malformed(index, line, 'found an empty line between entries; remove it');
  if (index === 0 && line.startsWith('\uFEFF'))
    throw malformed(index, line, 'the file starts with a byte-order mark; save it as UTF-8 without BOM');
  const fields = line.trim().split(/\s+/);
  const [hash = '', fileName = ''] = fields;
  if (fields.length !== 2) {
    throw malformed(
      index,
      line,
      `expected "<64 hex digits>  <file name>", found ${fields.length} whitespace-separated field(s); regenerate the file with sha256sum or signet package`,
    );
  }
  if (!HEX_64.test(hash)) {
    throw malformed(
      index,
      line,
      `expected a SHA-256 of 64 hex digits first, found ${JSON.stringify(hash)} (${hash.length} characters); regenerate the file with sha256sum or signet package`,
    );
  }
  if (fileName.startsWith('*')) {
    throw malformed(
      index,
      line,
      'found the binary-mode "*name" form, which terraform does not accept; write "<hash>  <name>" (sha256sum without -b)',
    );
  }
  return { sha256: hash.toLowerCase(), fileName };
}

function malformed(index: number, line: string, why: string): SignetError {
  return new SignetError(
    'SHASUMS_MALFORMED',
    `SHA256SUMS line ${index + 1} (${JSON.stringify(line.slice(0, 120))}) is malformed: ${why}.`,
  );
}
