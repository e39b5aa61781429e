import { SignetError } from './errors';

/** One line of a SHA256SUMS file. */
export interface ShasumsEntry {
  /** Lower-case hex SHA-256. */
  sha256: string;
  fileName: string;
}

/** Compares names by their UTF-8 bytes, as Go's sort.Strings does (JS `<` compares UTF-16 units). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `sha256sum` output: `<hex>  <name>\n` per file, sorted by name, LF line endings. */
export function formatShasums(entries: readonly ShasumsEntry[]): string {
  return [...entries]
    .sort((a, b) => compareUtf8(a.fileName, b.fileName))
    .map((e) => `${e.sha256.toLowerCase()}  ${e.fileName}\n`)
    .join('');
}

const LINE_PATTERN = /^([0-9a-fA-F]{64})[ \t]+(\S+)$/;

/**
 * Parses SHA256SUMS the way terraform reads it (terraform-protocol.md §2.2): lines split on LF (a CR before it
 * is dropped), fields split on whitespace, hex in either case. `sha256sum -b`'s `*name` form is refused
 * because terraform then finds no hash for the file. Throws `SHASUMS_MALFORMED` naming the line.
 */
export function parseShasums(text: string): ShasumsEntry[] {
  const entries: ShasumsEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (index === lines.length - 1) continue;
      throw malformed(index, line, 'an empty line');
    }
    const match = LINE_PATTERN.exec(line);
    if (!match) throw malformed(index, line, 'expected "<64 hex digits>  <file name>"');
    const [, hash, fileName] = match as unknown as [string, string, string];
    if (fileName.startsWith('*')) {
      throw malformed(index, line, 'the binary-mode "*name" form, which terraform does not accept; write "<hash>  <name>" (sha256sum without -b)');
    }
    if (seen.has(fileName)) throw malformed(index, line, `${JSON.stringify(fileName)} is listed twice`);
    seen.add(fileName);
    entries.push({ sha256: hash.toLowerCase(), fileName });
  }
  if (entries.length === 0) throw new SignetError('SHASUMS_MALFORMED', 'SHA256SUMS is empty; expected one line per zip and the manifest.');
  return entries;
}

function malformed(index: number, line: string, why: string): SignetError {
  return new SignetError('SHASUMS_MALFORMED', `SHA256SUMS line ${index + 1} (${JSON.stringify(line.slice(0, 120))}) is malformed: ${why}.`);
}
