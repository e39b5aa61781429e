// For its side effect first: it gives zod's schemas the `.openapi()` method used below.
import '@hono/zod-openapi';

import { createApiSchemas } from '@signet/api';
import type { z } from 'zod';

import type {
  KeyRecord,
  NamespaceRecord,
  ProviderRecord,
  TokenRecord,
  VersionFileRecord,
  VersionRecord,
} from '../storage/records';

// The management API's JSON shapes live in @signet/api, shared with the client. Here they are built once more
// with their OpenAPI component names (zod-to-openapi's `.openapi(id)`, which @hono/zod-openapi adds to zod), so
// the routes validate with the very schemas the document describes; below are the record → JSON mappers.

const S = createApiSchemas((schema, id, description) =>
  description === undefined ? schema.openapi(id) : schema.openapi(id, { description }),
);

export const {
  ErrorResponse,
  Namespace,
  NewNamespace,
  Token,
  NewToken,
  CreatedToken,
  Whoami,
  Key,
  NewKey,
  Provider,
  NewProvider,
  VersionFile,
  Problem,
  Report,
  Version,
  NewVersion,
  Deprecation,
  Yank,
  UploadedFile,
  Revoked,
  Deleted,
} = S;

export type ReportJson = z.infer<typeof Report>;

export function namespaceJson(record: NamespaceRecord): z.infer<typeof Namespace> {
  return { name: record.name, visibility: record.visibility, created_at: record.createdAt };
}

export function tokenJson(record: TokenRecord): z.infer<typeof Token> {
  const json: z.infer<typeof Token> = {
    id: record.id,
    name: record.name,
    role: record.role,
    namespaces: record.namespaces,
    created_at: record.createdAt,
  };
  if (record.revokedAt !== undefined) json.revoked_at = record.revokedAt;
  return json;
}

export function keyJson(record: KeyRecord): z.infer<typeof Key> {
  const json: z.infer<typeof Key> = {
    namespace: record.namespace,
    key_id: record.keyId,
    fingerprint: record.fingerprint,
    ascii_armor: record.asciiArmor,
    created_at: record.createdAt,
  };
  if (record.source !== undefined) json.source = record.source;
  if (record.sourceUrl !== undefined) json.source_url = record.sourceUrl;
  return json;
}

export function providerJson(record: ProviderRecord): z.infer<typeof Provider> {
  return { namespace: record.namespace, type: record.type, created_at: record.createdAt };
}

export function fileJson(record: VersionFileRecord): z.infer<typeof VersionFile> {
  return { file_name: record.fileName, sha256: record.sha256, size: record.size, uploaded_at: record.uploadedAt };
}

export function versionJson(
  record: VersionRecord,
  files: readonly VersionFileRecord[],
  report?: ReportJson,
): z.infer<typeof Version> {
  const json: z.infer<typeof Version> = {
    namespace: record.namespace,
    type: record.type,
    version: record.version,
    protocols: record.protocols,
    key_id: record.keyId,
    state: record.state,
    yanked: record.yanked,
    created_at: record.createdAt,
    files: files.map(fileJson),
  };
  if (record.deprecation !== undefined) json.deprecation = record.deprecation;
  if (record.publishedAt !== undefined) json.published_at = record.publishedAt;
  if (report !== undefined) json.report = report;
  return json;
}
