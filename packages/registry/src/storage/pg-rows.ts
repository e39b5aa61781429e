import type { PgRow } from './pg-database';
import {
  readPreparedDocument,
  type KeyRecord,
  type NamespaceRecord,
  type ProviderRecord,
  type TokenRecord,
  type VersionFileRecord,
  type VersionRecord,
} from './records';

// Rows of the PostgreSQL schema (pg-schema.ts) read back into records, each column's type checked. The schema's
// CHECK constraints keep the union columns to their values, so those casts are what the database guarantees; the
// prepared document is checked against its schema (records.ts).

/** Reads a `namespaces` row. */
export function readNamespaceRow(row: PgRow): NamespaceRecord {
  return {
    name: text(row, 'name'),
    visibility: text(row, 'visibility') as NamespaceRecord['visibility'],
    createdAt: date(row, 'created_at'),
  };
}

/** Reads a `tokens` row. */
export function readTokenRow(row: PgRow): TokenRecord {
  const token: TokenRecord = {
    id: text(row, 'id'),
    name: text(row, 'name'),
    secretHash: text(row, 'secret_hash'),
    role: text(row, 'role') as TokenRecord['role'],
    namespaces: textArray(row, 'namespaces'),
    createdAt: date(row, 'created_at'),
  };
  if (row.revoked_at !== null) token.revokedAt = date(row, 'revoked_at');
  return token;
}

/** Reads a `keys` row. */
export function readKeyRow(row: PgRow): KeyRecord {
  const key: KeyRecord = {
    namespace: text(row, 'namespace'),
    keyId: text(row, 'key_id'),
    fingerprint: text(row, 'fingerprint'),
    asciiArmor: text(row, 'ascii_armor'),
    createdAt: date(row, 'created_at'),
  };
  if (row.source !== null) key.source = text(row, 'source');
  if (row.source_url !== null) key.sourceUrl = text(row, 'source_url');
  return key;
}

/** Reads a `providers` row. */
export function readProviderRow(row: PgRow): ProviderRecord {
  return { namespace: text(row, 'namespace'), type: text(row, 'type'), createdAt: date(row, 'created_at') };
}

/** Reads a `versions` row (its prepared document checked against its schema). */
export function readVersionRow(row: PgRow): VersionRecord {
  const version: VersionRecord = {
    namespace: text(row, 'namespace'),
    type: text(row, 'type'),
    version: text(row, 'version'),
    protocols: textArray(row, 'protocols'),
    keyId: text(row, 'key_id'),
    state: text(row, 'state') as VersionRecord['state'],
    yanked: row.yanked === true,
    createdAt: date(row, 'created_at'),
  };
  if (row.deprecation !== null) version.deprecation = text(row, 'deprecation');
  if (row.published_at !== null) version.publishedAt = date(row, 'published_at');
  if (row.prepared !== null) {
    version.prepared = readPreparedDocument(version.version, Number(row.prepared_version), row.prepared);
  }
  return version;
}

/** Reads a `version_files` row. */
export function readVersionFileRow(row: PgRow): VersionFileRecord {
  return {
    fileName: text(row, 'file_name'),
    sha256: text(row, 'sha256'),
    size: Number(row.size),
    uploadedAt: date(row, 'uploaded_at'),
  };
}

/** The `files` column of the versions-with-files query: a JSON array built by the database. */
export function readFilesJson(row: PgRow): VersionFileRecord[] {
  const value = row.files;
  if (!Array.isArray(value)) throw new TypeError('Expected column files to hold a JSON array.');
  return value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new TypeError('Expected each file to be a JSON object.');
    const file = item as PgRow;
    return {
      fileName: text(file, 'fileName'),
      sha256: text(file, 'sha256'),
      size: Number(file.size),
      uploadedAt: text(file, 'uploadedAt'),
    };
  });
}

function text(row: PgRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`Expected column ${column} to be text, found ${typeof value}.`);
  return value;
}

function date(row: PgRow, column: string): string {
  const value = row[column];
  if (!(value instanceof Date)) throw new TypeError(`Expected column ${column} to be a timestamp.`);
  return value.toISOString();
}

function textArray(row: PgRow, column: string): string[] {
  const value = row[column];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new TypeError(`Expected column ${column} to be an array of text.`);
  }
  return value;
}
