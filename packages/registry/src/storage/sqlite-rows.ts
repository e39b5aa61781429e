import { createRowReaders, isStringArray, readText } from './rows';

// SQLite's side of the shared row readers (rows.ts): the embedded schema stores timestamps as ISO 8601 text,
// lists of text and documents as JSON text, and booleans as 0/1.

export const { readNamespaceRow, readTokenRow, readKeyRow, readProviderRow, readVersionRow, readVersionFileRow } =
  createRowReaders({
    timestamp: readText,
    textArray(row, column) {
      const value: unknown = JSON.parse(readText(row, column));
      if (!isStringArray(value)) throw new TypeError(`Expected column ${column} to hold a JSON array of strings.`);
      return value;
    },
    boolean: (row, column) => row[column] === 1,
    json: (row, column): unknown => JSON.parse(readText(row, column)),
  });
