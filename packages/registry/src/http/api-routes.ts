import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';

import { createRoute, z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import {
  assertNamespace,
  assertProviderName,
  inspectKey,
  inspectZip,
  normalizeProtocols,
  parseArtifactName,
  parseVersion,
  readPublicKeyArmored,
  unsafeReason,
  validateRelease,
  type ReleaseFile,
  type ReleaseReport,
  type ZipLimits,
} from '@signet/core';
import type { Context } from 'hono';

import { prepareRelease, type PreparedRelease } from '../prepare-release';
import type { BlobStore, StoredBlob } from '../storage/blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import type { VersionRecord } from '../storage/records';
import {
  createTokenId,
  createTokenSecret,
  hashTokenSecret,
  requirePermission,
  requireToken,
  type Authenticator,
  type Principal,
} from './auth';
import { HttpError } from './errors';
import type { ReadModel } from './read-model';
import * as S from './api-schemas';

export interface ApiDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  auth: Authenticator;
  readModel: ReadModel;
  maxFileBytes: number;
  zipLimits: ZipLimits;
}

type Env = { Variables: { principal: Principal | undefined } };

const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 422] as const;
const errorResponses = Object.fromEntries(
  ERROR_STATUSES.map((status) => [
    status,
    { description: 'Error', content: { 'application/json': { schema: S.ErrorResponse } } },
  ]),
);
const security = [{ bearer: [] }];
const nsParam = z.object({ namespace: z.string() });
const providerParams = z.object({ namespace: z.string(), type: z.string() });
const versionParams = providerParams.extend({ version: z.string() });

function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}
function body<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}
function route<R extends RouteConfig>(config: R): R {
  return createRoute({ security, ...config, responses: { ...errorResponses, ...config.responses } });
}

/** The management API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json. */
export function mountApiRoutes(app: OpenAPIHono<Env>, deps: ApiDeps): void {
  const { metadata, blobs, auth, readModel } = deps;
  const publishing = new Set<string>();

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Signet registry management API',
      version: '1',
      description:
        'Namespaces, tokens, GPG keys, providers and versions. Errors are {"errors":[{code, message, file?}]}. ' +
        'The read side (service discovery, /v1/providers, /mirror, /v1/files) follows the Provider Registry and ' +
        'Network Mirror protocols and is not described here.',
    },
  });

  app.use('/api/v1/*', async (c, next) => {
    c.set('principal', await auth.authenticate(c.req.header('authorization')));
    await next();
  });
  const caller = (c: Context<Env>) => c.get('principal');

  // --- Who am I (the Action's preflight asks this before building) ---
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/whoami',
      summary: 'The calling token',
      responses: { 200: json(S.Whoami, 'The token') },
    }),
    (c) => {
      const p = requireToken(caller(c));
      return c.json(
        { role: p.role, namespaces: [...p.namespaces], ...(p.tokenId ? { token_id: p.tokenId } : {}) },
        200,
      );
    },
  );

  // --- Namespaces ---
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/namespaces',
      summary: 'Namespaces the token can see',
      responses: { 200: json(z.array(S.Namespace), 'Namespaces') },
    }),
    async (c) => {
      const p = requireToken(caller(c));
      const all = await metadata.listNamespaces();
      return c.json(all.filter((n) => p.role === 'admin' || p.namespaces.includes(n.name)).map(S.namespaceJson), 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/namespaces',
      summary: 'Create a namespace (admin)',
      request: { body: body(S.NewNamespace) },
      responses: { 201: json(S.Namespace, 'Created') },
    }),
    async (c) => {
      requirePermission(caller(c), 'admin');
      const input = c.req.valid('json');
      assertNamespace(input.name);
      return c.json(S.namespaceJson(await metadata.createNamespace(input)), 201);
    },
  );
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/namespaces/{namespace}',
      summary: 'A namespace',
      request: { params: nsParam },
      responses: { 200: json(S.Namespace, 'The namespace') },
    }),
    async (c) => {
      const { namespace } = c.req.valid('param');
      requirePermission(caller(c), 'read', namespace);
      return c.json(S.namespaceJson(await mustNamespace(metadata, namespace)), 200);
    },
  );

  // --- Tokens (admin) ---
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/tokens',
      summary: 'List tokens (admin)',
      responses: { 200: json(z.array(S.Token), 'Tokens') },
    }),
    async (c) => {
      requirePermission(caller(c), 'admin');
      return c.json((await metadata.listTokens()).map(S.tokenJson), 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/tokens',
      summary: 'Create a token (admin); the secret is shown once',
      request: { body: body(S.NewToken) },
      responses: { 201: json(S.CreatedToken, 'Created') },
    }),
    async (c) => {
      requirePermission(caller(c), 'admin');
      const input = c.req.valid('json');
      if (input.role !== 'admin' && input.namespaces.length === 0) {
        throw new HttpError(
          400,
          'TOKEN_SCOPE_MISSING',
          `A ${input.role} token needs at least one namespace; list them in "namespaces".`,
        );
      }
      if (input.role === 'admin' && input.namespaces.length > 0) {
        throw new HttpError(
          400,
          'TOKEN_SCOPE_INVALID',
          'An admin token covers every namespace; leave "namespaces" empty.',
        );
      }
      for (const ns of input.namespaces) await mustNamespace(metadata, ns);
      const secret = createTokenSecret();
      const record = await metadata.createToken({
        id: createTokenId(),
        name: input.name,
        role: input.role,
        namespaces: [...new Set(input.namespaces)].sort(),
        secretHash: hashTokenSecret(secret),
      });
      return c.json({ ...S.tokenJson(record), token: secret }, 201);
    },
  );
  app.openapi(
    route({
      method: 'delete',
      path: '/api/v1/tokens/{id}',
      summary: 'Revoke a token (admin)',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(z.object({ revoked: z.boolean() }), 'Revoked') },
    }),
    async (c) => {
      requirePermission(caller(c), 'admin');
      const revoked = await metadata.revokeToken(c.req.valid('param').id);
      auth.invalidate();
      return c.json({ revoked }, 200);
    },
  );

  // --- Keys ---
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/namespaces/{namespace}/keys',
      summary: "A namespace's GPG keys",
      request: { params: nsParam },
      responses: { 200: json(z.array(S.Key), 'Keys') },
    }),
    async (c) => {
      const { namespace } = c.req.valid('param');
      requirePermission(caller(c), 'read', namespace);
      await mustNamespace(metadata, namespace);
      return c.json((await metadata.listKeys(namespace)).map(S.keyJson), 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/namespaces/{namespace}/keys',
      summary: 'Add a GPG public key; keys tofu/terraform cannot read are refused',
      request: { params: nsParam, body: body(S.NewKey) },
      responses: { 201: json(S.Key, 'Added') },
    }),
    async (c) => {
      const { namespace } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      await mustNamespace(metadata, namespace);
      const input = c.req.valid('json');
      const info = await inspectKey(input.ascii_armor);
      if (info.isPrivate) {
        // Never keep it, never echo it: the caller's secret must not be stored or logged.
        throw new HttpError(
          422,
          'KEY_PRIVATE',
          'This is a private key. Send only the public key (gpg --export --armor KEYID); the private key never leaves your machine.',
        );
      }
      if (!info.compatible) throw HttpError.problems(info.problems.filter((p) => p.severity === 'error'));
      if (input.key_id !== undefined && input.key_id.toUpperCase() !== info.keyId) {
        throw new HttpError(
          422,
          'KEY_ID_MISMATCH',
          `The key_id given (${input.key_id}) is not this key's; the armor's primary key ID is ${info.keyId}.`,
        );
      }
      const record = await metadata.addKey({
        namespace,
        keyId: info.keyId,
        fingerprint: info.fingerprint,
        asciiArmor: await readPublicKeyArmored(input.ascii_armor),
        ...(input.source !== undefined ? { source: input.source } : {}),
        ...(input.source_url !== undefined ? { sourceUrl: input.source_url } : {}),
      });
      return c.json(S.keyJson(record), 201);
    },
  );
  app.openapi(
    route({
      method: 'delete',
      path: '/api/v1/namespaces/{namespace}/keys/{key_id}',
      summary: 'Remove a key (published versions keep serving it)',
      request: { params: nsParam.extend({ key_id: z.string() }) },
      responses: { 200: json(z.object({ deleted: z.boolean() }), 'Deleted') },
    }),
    async (c) => {
      const { namespace, key_id } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      return c.json({ deleted: await metadata.deleteKey(namespace, key_id.toUpperCase()) }, 200);
    },
  );

  // --- Providers ---
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/namespaces/{namespace}/providers',
      summary: "A namespace's providers",
      request: { params: nsParam },
      responses: { 200: json(z.array(S.Provider), 'Providers') },
    }),
    async (c) => {
      const { namespace } = c.req.valid('param');
      requirePermission(caller(c), 'read', namespace);
      await mustNamespace(metadata, namespace);
      return c.json((await metadata.listProviders(namespace)).map(S.providerJson), 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/namespaces/{namespace}/providers',
      summary: 'Create a provider',
      request: { params: nsParam, body: body(S.NewProvider) },
      responses: { 201: json(S.Provider, 'Created') },
    }),
    async (c) => {
      const { namespace } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      const { type } = c.req.valid('json');
      assertProviderName(type);
      await mustNamespace(metadata, namespace);
      return c.json(S.providerJson(await metadata.createProvider({ namespace, type })), 201);
    },
  );

  // --- Versions ---
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/providers/{namespace}/{type}/versions',
      summary: 'Every version, drafts included',
      request: { params: providerParams },
      responses: { 200: json(z.array(S.Version), 'Versions') },
    }),
    async (c) => {
      const { namespace, type } = c.req.valid('param');
      requirePermission(caller(c), 'read', namespace);
      await mustProvider(metadata, namespace, type);
      const versions = await metadata.listVersions(namespace, type);
      const out = await Promise.all(
        versions.map(async (v) => S.versionJson(v, await metadata.listFiles(namespace, type, v.version))),
      );
      return c.json(out, 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/providers/{namespace}/{type}/versions',
      summary: 'Create a draft version',
      request: { params: providerParams, body: body(S.NewVersion) },
      responses: { 201: json(S.Version, 'Created') },
    }),
    async (c) => {
      const { namespace, type } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      const input = c.req.valid('json');
      const version = parseVersion(input.version);
      const protocols = normalizeProtocols(input.protocols);
      await mustProvider(metadata, namespace, type);
      const keyId = input.key_id.toUpperCase();
      if (!(await metadata.getKey(namespace, keyId))) {
        throw new HttpError(
          422,
          'KEY_NOT_IN_NAMESPACE',
          `Key ${keyId} is not a key of namespace ${namespace}; add it first (POST /api/v1/namespaces/${namespace}/keys, or signet publish --key public.asc).`,
        );
      }
      const record = await metadata.createVersion({ namespace, type, version, protocols, keyId });
      return c.json(S.versionJson(record, []), 201);
    },
  );
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}',
      summary: 'A version with its files and validation report (live for a draft)',
      request: { params: versionParams, query: z.object({ report: z.enum(['true', 'false']).default('true') }) },
      responses: { 200: json(S.Version, 'The version') },
    }),
    async (c) => {
      const { namespace, type, version } = c.req.valid('param');
      requirePermission(caller(c), 'read', namespace);
      const record = await mustVersion(metadata, namespace, type, version);
      const files = await metadata.listFiles(namespace, type, version);
      let report: S.ReportJson | undefined;
      if (c.req.valid('query').report === 'true') {
        report =
          record.state === 'published'
            ? (record.prepared as PreparedRelease).report
            : reportJson(await validateDraft(deps, record));
      }
      return c.json(S.versionJson(record, files, report), 200);
    },
  );
  app.openapi(
    route({
      method: 'delete',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}',
      summary: 'Delete a draft',
      request: { params: versionParams },
      responses: { 200: json(z.object({ deleted: z.boolean() }), 'Deleted') },
    }),
    async (c) => {
      const { namespace, type, version } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      if (!(await metadata.deleteDraft(namespace, type, version))) {
        throw new HttpError(
          409,
          'VERSION_PUBLISHED',
          `${namespace}/${type} ${version} is published; published versions are never deleted. Yank it instead.`,
        );
      }
      return c.json({ deleted: true }, 200);
    },
  );
  app.openapi(
    route({
      method: 'put',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}/files/{file}',
      summary: "Upload one file's bytes (streamed; idempotent for identical bytes)",
      description:
        'Send the bytes as the body. Optional header X-Checksum-SHA256 (hex) is checked against what arrives.',
      request: {
        params: versionParams.extend({ file: z.string() }),
        body: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
      },
      responses: {
        200: json(S.UploadedFile, 'Stored (or identical bytes already stored)'),
        201: json(S.UploadedFile, 'Stored'),
      },
    }),
    async (c) => {
      const { namespace, type, version, file } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      const record = await mustVersion(metadata, namespace, type, version);
      checkFileName(file, type, version);
      const declared = Number(c.req.header('content-length'));
      if (Number.isFinite(declared) && declared > deps.maxFileBytes) {
        throw new HttpError(
          413,
          'BLOB_TOO_LARGE',
          `${file} is ${declared} bytes; this registry takes files up to ${deps.maxFileBytes} bytes.`,
          { Connection: 'close' },
        );
      }
      const expected = c.req.header('x-checksum-sha256')?.toLowerCase();
      const source = c.req.raw.body ?? emptyBody();
      const existing = (await metadata.listFiles(namespace, type, version)).find((f) => f.fileName === file);

      if (record.state === 'published') {
        // Published bytes are immutable: compare, never store.
        const digest = expected ?? (await sha256Of(source, deps.maxFileBytes));
        if (existing && existing.sha256 === digest) return c.json({ ...S.fileJson(existing), unchanged: true }, 200);
        throw new HttpError(
          409,
          'VERSION_PUBLISHED',
          `${namespace}/${type} ${version} is published and its ${file} has other bytes (sha256 ${existing?.sha256 ?? 'none'}); published files never change. Release a new version.`,
        );
      }

      const stored = await blobs.put(source, {
        maxBytes: deps.maxFileBytes,
        ...(expected ? { expectedSha256: expected } : {}),
      });
      if (existing && existing.sha256 === stored.sha256)
        return c.json({ ...S.fileJson(existing), unchanged: true }, 200);
      const artifact = parseArtifactName(file);
      if (artifact?.kind === 'zip') await refuseDangerousZip(deps, stored, file, artifact);
      const saved = await metadata.putFile(namespace, type, version, {
        fileName: file,
        sha256: stored.sha256,
        size: stored.size,
      });
      return c.json({ ...S.fileJson(saved), unchanged: false }, existing ? 200 : 201);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}/publish',
      summary: 'Validate and publish a draft, atomically',
      request: { params: versionParams },
      responses: { 200: json(S.Version, 'Published') },
    }),
    async (c) => {
      const { namespace, type, version } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      const id = `${namespace}/${type}/${version}`;
      // One publish per version at a time in this process; the store's conditional flip decides between processes.
      if (publishing.has(id)) throw alreadyPublishing(id);
      publishing.add(id);
      try {
        const record = await mustVersion(metadata, namespace, type, version);
        if (record.state === 'published') throw new HttpError(409, 'VERSION_PUBLISHED', `${id} is already published.`);
        const key = await metadata.getKey(namespace, record.keyId);
        if (!key)
          throw new HttpError(
            422,
            'KEY_NOT_IN_NAMESPACE',
            `Key ${record.keyId} of this draft was removed from namespace ${namespace}; add it again.`,
          );
        const files = await metadata.listFiles(namespace, type, version);
        const report = await validateDraft(deps, record, files, key.asciiArmor);
        if (!report.ok) throw HttpError.problems(report.problems);
        const prepared: PreparedRelease = {
          ...prepareRelease({ namespace, type, version, protocols: record.protocols, report, key, files }),
          report: reportJson(report),
        };
        if (!(await metadata.publishVersion(namespace, type, version, prepared))) throw alreadyPublishing(id);
        readModel.invalidate(namespace, type);
        const published = await mustVersion(metadata, namespace, type, version);
        return c.json(S.versionJson(published, files, prepared.report), 200);
      } finally {
        publishing.delete(id);
      }
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}/deprecate',
      summary: 'Deprecate a published version (terraform prints the message); null clears it',
      request: { params: versionParams, body: body(S.Deprecation) },
      responses: { 200: json(S.Version, 'Updated') },
    }),
    async (c) => {
      const { namespace, type, version } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      const record = await metadata.setDeprecation(namespace, type, version, c.req.valid('json').message);
      readModel.invalidate(namespace, type);
      return c.json(S.versionJson(record, await metadata.listFiles(namespace, type, version)), 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}/yank',
      summary: 'Yank (or restore) a published version: it is no longer listed',
      request: { params: versionParams, body: body(S.Yank) },
      responses: { 200: json(S.Version, 'Updated') },
    }),
    async (c) => {
      const { namespace, type, version } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      const record = await metadata.setYanked(namespace, type, version, c.req.valid('json').yanked);
      readModel.invalidate(namespace, type);
      return c.json(S.versionJson(record, await metadata.listFiles(namespace, type, version)), 200);
    },
  );
}

function alreadyPublishing(id: string): HttpError {
  return new HttpError(409, 'VERSION_PUBLISHED', `${id} is being published or already is; it can be published once.`);
}

async function mustNamespace(metadata: MetadataStore, namespace: string) {
  const record = await metadata.getNamespace(namespace);
  if (!record)
    throw new HttpError(
      404,
      'NOT_FOUND',
      `No namespace ${JSON.stringify(namespace)}; an admin creates it (signet namespaces create ${namespace}).`,
    );
  return record;
}

async function mustProvider(metadata: MetadataStore, namespace: string, type: string) {
  await mustNamespace(metadata, namespace);
  const record = await metadata.getProvider(namespace, type);
  if (!record)
    throw new HttpError(
      404,
      'NOT_FOUND',
      `No provider ${namespace}/${type}; create it first (POST /api/v1/namespaces/${namespace}/providers).`,
    );
  return record;
}

async function mustVersion(
  metadata: MetadataStore,
  namespace: string,
  type: string,
  version: string,
): Promise<VersionRecord> {
  await mustProvider(metadata, namespace, type);
  const record = await metadata.getVersion(namespace, type, version);
  if (!record)
    throw new HttpError(404, 'NOT_FOUND', `No version ${version} of ${namespace}/${type}; create the draft first.`);
  return record;
}

/** A file name must be one of this version's four artifact kinds; anything else never reaches storage. */
function checkFileName(file: string, type: string, version: string): void {
  const unsafe =
    file.includes('/') || file.includes('\\') || file.includes('\0')
      ? 'it has a path separator or NUL'
      : unsafeReason(file);
  if (unsafe !== undefined || file === '.' || file === '..') {
    throw new HttpError(
      400,
      'FILENAME_INVALID',
      `File name ${JSON.stringify(file)} is refused: ${unsafe ?? 'it is a path'}. Upload release artifacts by their plain names.`,
    );
  }
  const artifact = parseArtifactName(file);
  if (!artifact) {
    throw new HttpError(
      400,
      'FILENAME_INVALID',
      `${JSON.stringify(file)} is not a release artifact; expected terraform-provider-${type}_${version}_OS_ARCH.zip, _SHA256SUMS, _SHA256SUMS.sig or _manifest.json.`,
    );
  }
  if (artifact.name !== type) {
    throw new HttpError(
      422,
      'FILENAME_NAME_MISMATCH',
      `${file} is named for provider ${JSON.stringify(artifact.name)}, but this is ${JSON.stringify(type)}.`,
    );
  }
  if (artifact.version !== version) {
    throw new HttpError(
      422,
      'FILENAME_VERSION_MISMATCH',
      `${file} is named for version ${artifact.version}, but this draft is ${version}.`,
    );
  }
}

/**
 * Zips that could hurt an installer or the server (bombs, unsafe names, not a zip) are refused at upload. The blob
 * goes only if this upload created it: identical bytes stored before may back any file (a published SHA256SUMS
 * uploaded again under a zip name is "not a zip"), and those must stay.
 */
async function refuseDangerousZip(
  deps: ApiDeps,
  stored: StoredBlob,
  file: string,
  artifact: { name: string; version: string; platform: string },
): Promise<void> {
  const { sha256 } = stored;
  const path = await deps.blobs.localPath(sha256);
  if (path === undefined) return; // checked at publish, from a temporary copy
  const inspection = await inspectZip(path, { ...artifact, limits: deps.zipLimits, fileName: file });
  const dangerous = inspection.problems.filter((p) =>
    ['ZIP_INVALID', 'ZIP_UNSAFE_PATH', 'ZIP_TOO_LARGE'].includes(p.code),
  );
  if (dangerous.length === 0) return;
  if (stored.created) await deps.blobs.delete(sha256);
  throw HttpError.problems(dangerous);
}

/** Runs the core's validator over a version's stored files, exactly as `signet validate` would. */
async function validateDraft(
  deps: ApiDeps,
  record: VersionRecord,
  files?: Awaited<ReturnType<MetadataStore['listFiles']>>,
  keyArmor?: string,
): Promise<ReleaseReport> {
  const { namespace, type, version } = record;
  files ??= await deps.metadata.listFiles(namespace, type, version);
  keyArmor ??= (await deps.metadata.getKey(namespace, record.keyId))?.asciiArmor;
  let temporary: string | undefined;
  try {
    const releaseFiles: ReleaseFile[] = [];
    for (const file of files) {
      let path = await deps.blobs.localPath(file.sha256);
      if (path === undefined) {
        temporary ??= await mkdtemp(join(tmpdir(), 'signet-validate-'));
        path = join(temporary, file.sha256);
        await pipeline(await deps.blobs.open(file.sha256), createWriteStream(path));
      }
      releaseFiles.push({ fileName: file.fileName, path });
    }
    return await validateRelease({
      files: releaseFiles,
      name: type,
      version,
      protocols: record.protocols,
      keys: keyArmor === undefined ? [] : [keyArmor],
      limits: deps.zipLimits,
    });
  } finally {
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
  }
}

function reportJson(report: ReleaseReport): S.ReportJson {
  const json: S.ReportJson = {
    ok: report.ok,
    platforms: report.platforms.map((p) => ({
      platform: p.platform,
      file_name: p.fileName,
      size: p.size,
      sha256: p.sha256,
      ...(p.h1 !== undefined ? { h1: p.h1 } : {}),
    })),
    problems: report.problems.map((p) => ({ ...p })),
  };
  if (report.keyId !== undefined) json.key_id = report.keyId;
  if (report.fingerprint !== undefined) json.fingerprint = report.fingerprint;
  return json;
}

/** Hashes a body without keeping it, stopping past `maxBytes`. */
async function sha256Of(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > maxBytes)
      throw new HttpError(413, 'BLOB_TOO_LARGE', `The upload passed this registry's limit of ${maxBytes} bytes.`);
    hash.update(chunk);
  }
  return hash.digest('hex');
}

function emptyBody(): AsyncIterable<Uint8Array> {
  return (async function* () {})();
}
