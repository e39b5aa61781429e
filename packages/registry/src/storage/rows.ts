import {
  readPreparedDocument,
  type KeyRecord,
  type NamespaceRecord,
  type ProviderRecord,
  type TokenRecord,
  type VersionFileRecord,
  type VersionRecord,
} from './records';

// Rows of the SQL schemas (sqlite-schema.ts, pg-schema.ts) read back into records. Both schemas have the same
// tables and column names; only a few column types come back differently from each driver, and those are read by
// the backend's `ColumnTypes`. The schemas' CHECK constraints keep the union columns to their values, so those
// casts are what the database guarantees; the prepared document is checked against its schema (records.ts).

/** A row as a SQL driver returns it: column name to value. */
export type Row = Readonly<Record<string, unknown>>;

/** How a backend reads the columns whose type differs between SQL databases. Each throws on a wrong type. */
export interface ColumnTypes {
  /** A timestamp column (never null) as an ISO 8601 string in UTC. */
  timestamp: (row: Row, column: string) => string;
  /** A list-of-text column (`namespaces`, `protocols`). */
  textArray: (row: Row, column: string) => string[];
  /** A boolean column (`yanked`). */
  boolean: (row: Row, column: string) => boolean;
  /** A JSON document column (never null) as its parsed value, not yet checked. */
  json: (row: Row, column: string) => unknown;
}

/** The readers of each table's rows, made for one backend's column types. */
export interface RowReaders {
  readNamespaceRow: (row: Row) => NamespaceRecord;
  readTokenRow: (row: Row) => TokenRecord;
  readKeyRow: (row: Row) => KeyRecord;
  readProviderRow: (row: Row) => ProviderRecord;
  /** Reads a `versions` row, its prepared document checked against its schema. */
  readVersionRow: (row: Row) => VersionRecord;
  readVersionFileRow: (row: Row) => VersionFileRecord;
}

/** Makes the row readers of a backend whose differing columns `columns` reads. */
export function createRowReaders(columns: ColumnTypes): RowReaders {
  const { timestamp, textArray, boolean, json } = columns;
  return {
    readNamespaceRow: (row) => ({
      name: readText(row, 'name'),
      visibility: readText(row, 'visibility') as NamespaceRecord['visibility'],
      createdAt: timestamp(row, 'created_at'),
    }),
    readTokenRow: (row) => {
      const token: TokenRecord = {
        id: readText(row, 'id'),
        name: readText(row, 'name'),
        secretHash: readText(row, 'secret_hash'),
        role: readText(row, 'role') as TokenRecord['role'],
        namespaces: textArray(row, 'namespaces'),
        createdAt: timestamp(row, 'created_at'),
      };
      if (row.revoked_at !== null) token.revokedAt = timestamp(row, 'revoked_at');
      return token;
    },
    readKeyRow: (row) => {
      const key: KeyRecord = {
        namespace: readText(row, 'namespace'),
        keyId: readText(row, 'key_id'),
        fingerprint: readText(row, 'fingerprint'),
        asciiArmor: readText(row, 'ascii_armor'),
        createdAt: timestamp(row, 'created_at'),
      };
      if (row.source !== null) key.source = readText(row, 'source');
      if (row.source_url !== null) key.sourceUrl = readText(row, 'source_url');
      return key;
    },
    readProviderRow: (row) => ({
      namespace: readText(row, 'namespace'),
      type: readText(row, 'type'),
      createdAt: timestamp(row, 'created_at'),
    }),
    readVersionRow: (row) => {
      const version: VersionRecord = {
        namespace: readText(row, 'namespace'),
        type: readText(row, 'type'),
        version: readText(row, 'version'),
        protocols: textArray(row, 'protocols'),
        keyId: readText(row, 'key_id'),
        state: readText(row, 'state') as VersionRecord['state'],
        yanked: boolean(row, 'yanked'),
        createdAt: timestamp(row, 'created_at'),
      };
      if (row.deprecation !== null) version.deprecation = readText(row, 'deprecation');
      if (row.published_at !== null) version.publishedAt = timestamp(row, 'published_at');
      if (row.prepared !== null) {
        version.prepared = readPreparedDocument(version.version, Number(row.prepared_version), json(row, 'prepared'));
      }
      return version;
    },
    // The size is Number()ed: a 64-bit integer column may come back as a bigint or a string.
    readVersionFileRow: (row) => ({
      fileName: readText(row, 'file_name'),
      sha256: readText(row, 'sha256'),
      size: Number(row.size),
      uploadedAt: timestamp(row, 'uploaded_at'),
    }),
  };
}

/** A text column's value; throws a TypeError naming the column when it holds anything else. */
export function readText(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`Expected column ${column} to be text, found ${typeof value}.`);
  return value;
}

/** Whether `value` is an array of strings: what a list-of-text column must hold, however it is stored. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
