import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import { isValidNamespace, isValidProviderName, isValidVersion, parseVersion } from '@signet/core';
import type { Context } from 'hono';

import type { DraftServiceDeps } from '../services/draft-service-deps';
import type { MetadataStore } from '../storage/metadata-store';
import type { VersionRecord } from '../storage/records';
import type { Authenticator, Principal } from './auth';
import { HttpError } from './errors';
import type { ReadModel } from './read-model';
import * as S from './api-schemas';

// What every management route shares: its dependencies, the route declaration helpers that also feed the OpenAPI
// document, and the lookups that answer 404 with the next step.

export interface ApiDeps extends DraftServiceDeps {
  auth: Authenticator;
  readModel: ReadModel;
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

/** Longest version accepted: semver allows any length, and nothing real comes near this. */
export const MAX_VERSION_LENGTH = 128;

/** True for a version exactly as stored: valid semver without build metadata, in its canonical spelling. */
export function isCanonicalVersion(value: string): boolean {
  return value.length <= MAX_VERSION_LENGTH && isValidVersion(value) && parseVersion(value) === value;
}

// Every name in a management path is checked against terraform's rules before any lookup (a 400 that names the
// rule): a name terraform refuses can name no record, and a NUL or a look-alike never becomes another name's alias.
function pathName(check: (value: string) => boolean, expected: string) {
  return z.string().refine(check, {
    params: { code: 'NAME_INVALID' },
    error: (issue) => `expected ${expected}, found ${JSON.stringify(String(issue.input).slice(0, 80))}`,
  });
}
const namespaceName = pathName(
  isValidNamespace,
  'a namespace terraform accepts (1–64 lowercase letters, digits and single dashes inside, e.g. "acme")',
);
const providerType = pathName(
  isValidProviderName,
  'a provider type terraform accepts (1–64 lowercase letters, digits and single dashes inside, not starting with "terraform-", e.g. "hello")',
);
const versionName = pathName(
  isCanonicalVersion,
  `a version as stored: semver MAJOR.MINOR.PATCH[-pre-release], no "v" prefix or build metadata, at most ${MAX_VERSION_LENGTH} characters (e.g. "1.2.3")`,
);
export const nsParam = z.object({ namespace: namespaceName });
export const providerParams = z.object({ namespace: namespaceName, type: providerType });
export const versionParams = providerParams.extend({ version: versionName });
/** A GPG key ID as the registry stores it: 16 hex characters (any case in the path). */
export const keyIdParam = pathName((v) => /^[0-9A-Fa-f]{16}$/.test(v), 'a 16-hex-character key ID');
/** A token ID (`tok_…`, or another short ID a store was given). */
export const tokenIdParam = pathName(
  (v) => /^[A-Za-z0-9_-]{1,64}$/.test(v),
  'a token ID such as "tok_0123456789abcdef"',
);

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
