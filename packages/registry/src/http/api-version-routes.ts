import { z, type OpenAPIHono } from '@hono/zod-openapi';

import type { PreparedRelease } from '../prepare-release';
import { deleteDraftFile, putDraftFile } from '../services/draft-files';
import { createDraft, deleteDraft, getDraftReport, publishDraft } from '../services/drafts';
import {
  body,
  caller,
  json,
  mustProvider,
  mustVersion,
  providerParams,
  route,
  versionParams,
  type ApiDeps,
  type ApiEnv,
} from './api-kit';
import * as S from './api-schemas';
import { requirePermission } from './auth';
import { checkFileName } from './release-checks';

// Routes parse, check rights and call a service (services/): the rules of drafts, uploads and publishing live
// there, shared with every other host of the registry.

const fileParams = versionParams.extend({ file: z.string() });

/** Versions: drafts, their files, publish, deprecate, yank. */
export function mountVersionRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { metadata, readModel } = deps;

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
      // One read of versions and their files (one query on PostgreSQL), not one per version.
      const versions = await metadata.listVersionsWithFiles(namespace, type);
      return c.json(
        versions.map((v) => S.versionJson(v, v.files)),
        200,
      );
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
      const record = await createDraft(deps, {
        namespace,
        type,
        version: input.version,
        protocols: input.protocols,
        keyId: input.key_id,
      });
      return c.json(S.versionJson(record, []), 201);
    },
  );
  app.openapi(
    route({
      method: 'get',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}',
      summary: 'A version with its files and validation report (live for a draft, cached by its files)',
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
            : await getDraftReport(deps, record);
      }
      return c.json(S.versionJson(record, files, report), 200);
    },
  );
  app.openapi(
    route({
      method: 'delete',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}',
      summary: 'Delete a draft (and the bytes only it used)',
      request: { params: versionParams },
      responses: { 200: json(S.Deleted, 'Deleted') },
    }),
    async (c) => {
      const { namespace, type, version } = c.req.valid('param');
      requirePermission(caller(c), 'publish', namespace);
      await deleteDraft(deps, await mustVersion(metadata, namespace, type, version));
      return c.json({ deleted: true }, 200);
    },
  );

  // --- Files ---
  app.openapi(
    route({
      method: 'put',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}/files/{file}',
      summary: "Upload one file's bytes (streamed; idempotent for identical bytes)",
      description:
        'Send the bytes as the body. Optional header X-Checksum-SHA256 (hex) is checked against what arrives. ' +
        'Caps: zips up to the server’s file size limit (413 BLOB_TOO_LARGE); SHA256SUMS 1 MiB, .sig and manifest ' +
        '64 KiB, the validator’s own caps (413 with its problem: SHASUMS_MALFORMED, SIGNATURE_INVALID or ' +
        'MANIFEST_INVALID, `file` set); a byte quota for the drafts of a namespace (413 QUOTA_EXCEEDED). The bytes ' +
        'are not judged here: a bad zip is stored, and the report and publish list its problems. 409 while the ' +
        'version is being published.',
      request: {
        params: fileParams,
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
      checkFileName(file, type, version);
      requirePermission(caller(c), 'publish', namespace);
      const record = await mustVersion(metadata, namespace, type, version);
      const declared = Number(c.req.header('content-length') ?? Number.NaN);
      const result = await putDraftFile(deps, {
        record,
        fileName: file,
        body: c.req.raw.body ?? emptyBody(),
        declaredBytes: Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined,
        expectedSha256: c.req.header('x-checksum-sha256')?.toLowerCase(),
      });
      return c.json({ ...S.fileJson(result.file), unchanged: result.unchanged }, result.created ? 201 : 200);
    },
  );
  app.openapi(
    route({
      method: 'delete',
      path: '/api/v1/providers/{namespace}/{type}/versions/{version}/files/{file}',
      summary: 'Delete one file of a draft (and its bytes, once no record uses them)',
      request: { params: fileParams },
      responses: { 200: json(S.Deleted, 'Deleted') },
    }),
    async (c) => {
      const { namespace, type, version, file } = c.req.valid('param');
      checkFileName(file, type, version);
      requirePermission(caller(c), 'publish', namespace);
      await deleteDraftFile(deps, await mustVersion(metadata, namespace, type, version), file);
      return c.json({ deleted: true }, 200);
    },
  );

  // --- Publish, deprecate, yank ---
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
      const { prepared, files } = await publishDraft(deps, await mustVersion(metadata, namespace, type, version));
      readModel.invalidate(namespace, type);
      const published = await mustVersion(metadata, namespace, type, version);
      return c.json(S.versionJson(published, files, prepared.report), 200);
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

function emptyBody(): AsyncIterable<Uint8Array> {
  return (async function* () {})();
}
