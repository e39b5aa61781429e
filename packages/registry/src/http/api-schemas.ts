import { z } from '@hono/zod-openapi';

import type {
  KeyRecord,
  NamespaceRecord,
  ProviderRecord,
  TokenRecord,
  VersionFileRecord,
  VersionRecord,
} from '../storage/records';

// The management API's JSON shapes. Field names are snake_case, like the protocol documents terraform reads.

const name = z.string().min(1).max(64).openapi({ example: 'acme' });

export const ErrorResponse = z
  .object({
    errors: z.array(
      z.object({
        code: z.string().openapi({ example: 'SHASUMS_MISMATCH' }),
        message: z.string(),
        file: z.string().optional(),
        severity: z.enum(['error', 'warning']).optional(),
      }),
    ),
  })
  .openapi('Errors');

export const Namespace = z
  .object({ name, visibility: z.enum(['public', 'private']), created_at: z.string() })
  .openapi('Namespace');
export const NewNamespace = z
  .object({ name, visibility: z.enum(['public', 'private']).default('public') })
  .strict()
  .openapi('NewNamespace');

export const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'publish', 'read']),
    namespaces: z.array(z.string()),
    created_at: z.string(),
    revoked_at: z.string().optional(),
  })
  .openapi('Token');
export const NewToken = z
  .object({
    name: z.string().min(1).max(200),
    role: z.enum(['admin', 'publish', 'read']),
    namespaces: z.array(name).default([]),
  })
  .strict()
  .openapi('NewToken');
export const CreatedToken = Token.extend({
  token: z.string().openapi({ description: 'The secret, shown only in this response.' }),
}).openapi('CreatedToken');
export const Whoami = z
  .object({
    role: z.enum(['admin', 'publish', 'read']),
    namespaces: z.array(z.string()),
    token_id: z.string().optional(),
  })
  .openapi('Whoami');

export const Key = z
  .object({
    namespace: z.string(),
    key_id: z.string().openapi({ example: 'EB5B13043272A77E' }),
    fingerprint: z.string(),
    ascii_armor: z.string(),
    source: z.string().optional(),
    source_url: z.string().optional(),
    created_at: z.string(),
  })
  .openapi('Key');
export const NewKey = z
  .object({
    ascii_armor: z.string().min(1).max(1_000_000),
    key_id: z.string().optional().openapi({ description: 'If given, must equal the key ID computed from the armor.' }),
    source: z.string().max(200).optional(),
    source_url: z.url().max(2000).optional(),
  })
  .strict()
  .openapi('NewKey');

export const Provider = z
  .object({ namespace: z.string(), type: z.string(), created_at: z.string() })
  .openapi('Provider');
export const NewProvider = z.object({ type: name }).strict().openapi('NewProvider');

export const VersionFile = z
  .object({ file_name: z.string(), sha256: z.string(), size: z.number().int(), uploaded_at: z.string() })
  .openapi('VersionFile');
export const Problem = z
  .object({
    code: z.string(),
    severity: z.enum(['error', 'warning']),
    message: z.string(),
    file: z.string().optional(),
  })
  .openapi('Problem');
export const Report = z
  .object({
    ok: z.boolean(),
    key_id: z.string().optional(),
    fingerprint: z.string().optional(),
    platforms: z.array(
      z.object({
        platform: z.string(),
        file_name: z.string(),
        size: z.number(),
        sha256: z.string(),
        h1: z.string().optional(),
      }),
    ),
    problems: z.array(Problem),
  })
  .openapi('Report');
export const Version = z
  .object({
    namespace: z.string(),
    type: z.string(),
    version: z.string(),
    protocols: z.array(z.string()),
    key_id: z.string(),
    state: z.enum(['draft', 'published']),
    deprecation: z.string().optional(),
    yanked: z.boolean(),
    created_at: z.string(),
    published_at: z.string().optional(),
    files: z.array(VersionFile),
    report: Report.optional(),
  })
  .openapi('Version');
export const NewVersion = z
  .object({
    version: z.string().min(1).max(128).openapi({ example: '1.2.0' }),
    protocols: z
      .array(z.string().max(16))
      .min(1)
      .max(4)
      .openapi({ example: ['6.0'] }),
    key_id: z.string().min(1).max(64),
  })
  .strict()
  .openapi('NewVersion');
export const Deprecation = z
  .object({ message: z.string().min(1).max(1000).nullable() })
  .strict()
  .openapi('Deprecation', { description: 'A message terraform prints for the version; null clears it.' });
export const Yank = z
  .object({ yanked: z.boolean().default(true) })
  .strict()
  .openapi('Yank');
export const UploadedFile = VersionFile.extend({
  unchanged: z.boolean().openapi({ description: 'True when identical bytes were already stored under this name.' }),
}).openapi('UploadedFile');

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
