import type { SqliteRow } from './sqlite-database';
import {
  readPreparedDocument,
  type KeyRecord,
  type NamespaceRecord,
  type ProviderRecord,
  type TokenRecord,
  type VersionFileRecord,
  type VersionRecord,
} from './records';

// Rows of the embedded schema (sqlite-schema.ts) read back into records. The schema's CHECK constraints keep
// the union columns to their values, so the casts below are what the database guarantees; the prepared document
// is checked against its schema (records.ts).

/** Reads a `namespaces` row. */
export function readNamespaceRow(row: SqliteRow): NamespaceRecord {
  return {
    name: text(row, 'name'),
    visibility: text(row, 'visibility') as NamespaceRecord['visibility'],
    createdAt: text(row, 'created_at'),
  };
}

/** Reads a `tokens` row. */
export function readTokenRow(row: SqliteRow): TokenRecord {
  const token: TokenRecord = {
    id: text(row, 'id'),
    name: text(row, 'name'),
    secretHash: text(row, 'secret_hash'),
    role: text(row, 'role') as TokenRecord['role'],
    namespaces: stringArray(row, 'namespaces'),
    createdAt: text(row, 'created_at'),
  };
  const revokedAt = optionalText(row, 'revoked_at');
  if (revokedAt !== undefined) token.revokedAt = revokedAt;
  return token;
}

/** Reads a `keys` row. */
export function readKeyRow(row: SqliteRow): KeyRecord {
  const key: KeyRecord = {
    namespace: text(row, 'namespace'),
    keyId: text(row, 'key_id'),
    fingerprint: text(row, 'fingerprint'),
    asciiArmor: text(row, 'ascii_armor'),
    createdAt: text(row, 'created_at'),
  };
  const source = optionalText(row, 'source');
  const sourceUrl = optionalText(row, 'source_url');
  if (source !== undefined) key.source = source;
  if (sourceUrl !== undefined) key.sourceUrl = sourceUrl;
  return key;
}

/** Reads a `providers` row. */
export function readProviderRow(row: SqliteRow): ProviderRecord {
  return { namespace: text(row, 'namespace'), type: text(row, 'type'), createdAt: text(row, 'created_at') };
}

/** Reads a `versions` row. */
export function readVersionRow(row: SqliteRow): VersionRecord {
  const version: VersionRecord = {
    namespace: text(row, 'namespace'),
    type: text(row, 'type'),
    version: text(row, 'version'),
    protocols: stringArray(row, 'protocols'),
    keyId: text(row, 'key_id'),
    state: text(row, 'state') as VersionRecord['state'],
    yanked: row.yanked === 1,
    createdAt: text(row, 'created_at'),
  };
  const deprecation = optionalText(row, 'deprecation');
  const publishedAt = optionalText(row, 'published_at');
  const prepared = optionalText(row, 'prepared');
  if (deprecation !== undefined) version.deprecation = deprecation;
  if (publishedAt !== undefined) version.publishedAt = publishedAt;
  if (prepared !== undefined) {
    version.prepared = readPreparedDocument(version.version, Number(row.prepared_version), JSON.parse(prepared));
  }
  return version;
}

/** Reads a `version_files` row. */
export function readVersionFileRow(row: SqliteRow): VersionFileRecord {
  return {
    fileName: text(row, 'file_name'),
    sha256: text(row, 'sha256'),
    size: Number(row.size),
    uploadedAt: text(row, 'uploaded_at'),
  };
}

function text(row: SqliteRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`Expected column ${column} to be text, found ${typeof value}.`);
  return value;
}

function optionalText(row: SqliteRow, column: string): string | undefined {
  return row[column] === null ? undefined : text(row, column);
}

function stringArray(row: SqliteRow, column: string): string[] {
  const value: unknown = JSON.parse(text(row, column));
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new TypeError(`Expected column ${column} to hold a JSON array of strings.`);
  }
  return value;
}
