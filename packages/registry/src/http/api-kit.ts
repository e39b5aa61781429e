import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { ZipLimits } from '@signet/core';
import type { Context } from 'hono';

import type { BlobStore } from '../storage/blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import type { VersionRecord } from '../storage/records';
import type { Authenticator, Principal } from './auth';
import { HttpError } from './errors';
import type { ReadModel } from './read-model';
import * as S from './api-schemas';

// What every management route shares: its dependencies, the route declaration helpers that also feed the OpenAPI
// document, and the lookups that answer 404 with the next step.

export interface ApiDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  auth: Authenticator;
  readModel: ReadModel;
  maxFileBytes: number;
  zipLimits: ZipLimits;
}

export type ApiEnv = { Variables: { principal: Principal | undefined } };

const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 422] as const;
const errorResponses = Object.fromEntries(
  ERROR_STATUSES.map((status) => [
    status,
    { description: 'Error', content: { 'application/json': { schema: S.ErrorResponse } } },
  ]),
);
const security = [{ bearer: [] }];
export const nsParam = z.object({ namespace: z.string() });
export const providerParams = z.object({ namespace: z.string(), type: z.string() });
export const versionParams = providerParams.extend({ version: z.string() });

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}
export function body<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}
/** A bearer-authenticated route whose error responses are documented once for all. */
export function route<R extends RouteConfig>(config: R): R {
  return createRoute({ security, ...config, responses: { ...errorResponses, ...config.responses } });
}

/** The caller resolved by the /api/v1 middleware (undefined without a token). */
export function caller(c: Context<ApiEnv>): Principal | undefined {
  return c.get('principal');
}

export async function mustNamespace(metadata: MetadataStore, namespace: string) {
  const record = await metadata.getNamespace(namespace);
  if (!record)
    throw new HttpError(
      404,
      'NOT_FOUND',
      `No namespace ${JSON.stringify(namespace)}; an admin creates it (signet namespaces create ${namespace}).`,
    );
  return record;
}

export async function mustProvider(metadata: MetadataStore, namespace: string, type: string) {
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

export async function mustVersion(
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
