import { z } from 'zod';

import { lineText, messageText } from './text-fields';

// The management API's JSON shapes, the one source of its wire types: the registry validates requests and
// documents itself with them, the client parses every answer with them. Field names are snake_case, like the
// protocol documents terraform reads. Requests are strict (unknown fields and control characters refused);
// answers are read leniently (a newer registry may add fields).

/**
 * Gives a schema its component name in the OpenAPI document. The server passes zod-to-openapi's `.openapi(id)`;
 * the client needs no names. Naming happens while the schemas are built, so a schema nested in another (a
 * `VersionFile` in a `Version`) is the named one and the document refers to it instead of repeating it.
 */
export type NameSchema = <T extends z.ZodType>(schema: T, id: string, description?: string) => T;

/** Builds every schema of the API, named by `name`. */
export function createApiSchemas(name: NameSchema) {
  const identifier = lineText(64).meta({ example: 'acme' });
  const role = z.enum(['admin', 'publish', 'read']);
  const visibility = z.enum(['public', 'private']);
  const severity = z.enum(['error', 'warning']);

  const ErrorResponse = name(
    z.object({
      errors: z.array(
        z.object({
          code: z.string().meta({ example: 'SHASUMS_MISMATCH' }),
          message: z.string(),
          file: z.string().optional(),
          severity: severity.optional(),
        }),
      ),
    }),
    'Errors',
  );

  const Namespace = name(z.object({ name: z.string(), visibility, created_at: z.string() }), 'Namespace');
  const NewNamespace = name(
    z.strictObject({ name: identifier, visibility: visibility.default('public') }),
    'NewNamespace',
  );

  const Token = name(
    z.object({
      id: z.string(),
      name: z.string(),
      role,
      namespaces: z.array(z.string()),
      created_at: z.string(),
      revoked_at: z.string().optional(),
    }),
    'Token',
  );
  const NewToken = name(
    z.strictObject({ name: lineText(200), role, namespaces: z.array(identifier).default([]) }),
    'NewToken',
  );
  const CreatedToken = name(
    Token.extend({ token: z.string().meta({ description: 'The secret, shown only in this response.' }) }),
    'CreatedToken',
  );
  const Whoami = name(z.object({ role, namespaces: z.array(z.string()), token_id: z.string().optional() }), 'Whoami');

  const Key = name(
    z.object({
      namespace: z.string(),
      key_id: z.string().meta({ example: 'EB5B13043272A77E' }),
      fingerprint: z.string(),
      ascii_armor: z.string(),
      source: z.string().optional(),
      source_url: z.string().optional(),
      created_at: z.string(),
    }),
    'Key',
  );
  const NewKey = name(
    z.strictObject({
      // Armor is lines of text: line breaks are its format, other control characters the key parser refuses.
      ascii_armor: z.string().min(1).max(1_000_000),
      key_id: lineText(64).optional().meta({ description: 'If given, must equal the key ID computed from the armor.' }),
      source: lineText(200).optional(),
      // z.url() answers what `new URL()` makes of the text, which drops tabs and newlines silently: the text as
      // sent is checked first.
      source_url: lineText(2000).pipe(z.url()).optional(),
    }),
    'NewKey',
  );

  const Provider = name(z.object({ namespace: z.string(), type: z.string(), created_at: z.string() }), 'Provider');
  const NewProvider = name(z.strictObject({ type: identifier }), 'NewProvider');

  const VersionFile = name(
    z.object({ file_name: z.string(), sha256: z.string(), size: z.number().int(), uploaded_at: z.string() }),
    'VersionFile',
  );
  const Problem = name(
    z.object({ code: z.string(), severity, message: z.string(), file: z.string().optional() }),
    'Problem',
  );
  const Report = name(
    z.object({
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
    }),
    'Report',
  );
  const Version = name(
    z.object({
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
    }),
    'Version',
  );
  const NewVersion = name(
    z.strictObject({
      version: lineText(128).meta({ example: '1.2.0' }),
      protocols: z
        .array(lineText(16))
        .min(1)
        .max(4)
        .meta({ example: ['6.0'] }),
      key_id: lineText(64),
    }),
    'NewVersion',
  );
  const Deprecation = name(
    z.strictObject({ message: messageText(1000).nullable() }),
    'Deprecation',
    'A message terraform prints for the version (line breaks and tabs are kept); null clears it.',
  );
  const Yank = name(z.strictObject({ yanked: z.boolean().default(true) }), 'Yank');
  const UploadedFile = name(
    VersionFile.extend({
      unchanged: z.boolean().meta({ description: 'True when identical bytes were already stored under this name.' }),
    }),
    'UploadedFile',
  );
  const Revoked = z.object({ revoked: z.boolean() });
  const Deleted = z.object({ deleted: z.boolean() });
  // The network mirror protocol's version document (`/mirror/…/VERSION.json`, terraform's format), which
  // `signet mirror export` reads: not part of the management API's OpenAPI document.
  const MirrorVersion = z.object({
    archives: z.record(z.string(), z.object({ url: z.string(), hashes: z.array(z.string()) })),
  });

  return {
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
    MirrorVersion,
  };
}

export type ApiSchemas = ReturnType<typeof createApiSchemas>;

/** The schemas without OpenAPI names: what a client parses answers with. */
export const API_SCHEMAS: ApiSchemas = createApiSchemas((schema) => schema);
