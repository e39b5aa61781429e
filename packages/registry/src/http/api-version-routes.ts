import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { normalizeProtocols, parseArtifactName, parseVersion } from '@signet/core';

import { prepareRelease, type PreparedRelease } from '../prepare-release';
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
import { HttpError } from './errors';
import { checkFileName, emptyBody, refuseDangerousZip, reportJson, sha256Of, validateDraft } from './release-checks';

/** Versions: drafts, their files, publish, deprecate, yank. */
export function mountVersionRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { metadata, blobs, readModel } = deps;
  const publishing = new Set<string>();

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
