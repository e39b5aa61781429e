import type { PgRow } from './pg-database';
import type { VersionFileRecord } from './records';
import { createRowReaders, isStringArray, readText, type Row } from './rows';

// PostgreSQL's side of the shared row readers (rows.ts): `pg` returns timestamptz as a Date, text[] as an array,
// boolean as a boolean and jsonb already parsed.

export const { readNamespaceRow, readTokenRow, readKeyRow, readProviderRow, readVersionRow, readVersionFileRow } =
  createRowReaders({
    timestamp(row, column) {
      const value = row[column];
      if (!(value instanceof Date)) throw new TypeError(`Expected column ${column} to be a timestamp.`);
      return value.toISOString();
    },
    textArray(row, column) {
      const value = row[column];
      if (!isStringArray(value)) throw new TypeError(`Expected column ${column} to be an array of text.`);
      return value;
    },
    boolean: (row, column) => row[column] === true,
    json: (row, column) => row[column],
  });

/** The `files` column of the versions-with-files query: a JSON array built by the database. */
export function readFilesJson(row: PgRow): VersionFileRecord[] {
  const value = row.files;
  if (!Array.isArray(value)) throw new TypeError('Expected column files to hold a JSON array.');
  return value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new TypeError('Expected each file to be a JSON object.');
    const file = item as Row;
    return {
      fileName: readText(file, 'fileName'),
      sha256: readText(file, 'sha256'),
      size: Number(file.size),
      uploadedAt: readText(file, 'uploadedAt'),
    };
  });
}
