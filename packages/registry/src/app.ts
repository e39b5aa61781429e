import { randomBytes } from 'node:crypto';

import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZipLimits } from '@signet/core/node';
import { bodyLimit } from 'hono/body-limit';

import { isClientGone, noteCaller } from './access-log';
import { subscribeCacheInvalidation } from './change-feed/cache-invalidation';
import type { ChangeFeed } from './change-feed/change-feed';
import { withChangeEvents } from './change-feed/change-events';
import { createAuthenticator, type Principal } from './http/auth';
import { mountApiRoutes } from './http/api-routes';
import { errorBody, HttpError, isOperatorProblem, takeSuppressedErrors, toHttpError } from './http/errors';
import { mountHealthRoutes, type ReadinessCheck } from './http/health-routes';
import { createFastPath, type FastPath } from './http/fast-path';
import { mountProtocolRoutes } from './http/protocol-routes';
import { createReadModel } from './http/read-model';
import type { RegistryMetrics } from './metrics';
import type { BlobStore } from './storage/blob-store';
import type { MetadataStore } from './storage/metadata-store';
import {
  createDraftServiceDeps,
  DEFAULT_DRAFT_QUOTA_BYTES,
  DEFAULT_MAX_FILE_BYTES,
} from './services/draft-service-deps';
import { createUrlSigner } from './url-signing';

export interface RegistryAppOptions {
  metadata: MetadataStore;
  blobs: BlobStore;
  /** The admin bearer token (SIGNET_ADMIN_TOKEN); stored admin tokens work as well. */
  adminToken?: string | undefined;
  /** Secret for signed file URLs of private namespaces (≥ 32 bytes); random per process when absent. */
  urlSigningSecret?: Uint8Array | undefined;
  /** How long a signed file URL stays valid. Default one hour. */
  urlTtlSeconds?: number | undefined;
  /** Largest zip an upload may send (SHA256SUMS: 1 MiB, .sig and manifest: 64 KiB, fixed). Default 1 GiB. */
  maxFileBytes?: number | undefined;
  /** Most bytes the drafts of one namespace may hold together; an upload past it gets 413. Default 10 GiB. */
  draftQuotaBytes?: number | undefined;
  /** Validations (draft reports, publishes) run at once; default 2. More wait, up to `maxQueuedValidations`. */
  maxConcurrentValidations?: number | undefined;
  /** Validations that may wait for a turn; beyond it a request gets 503 with Retry-After. Default 16. */
  maxQueuedValidations?: number | undefined;
  zipLimits?: ZipLimits | undefined;
  /** How stale the read model may be when other processes share the store. Default 5 s. */
  readCacheTtlMs?: number | undefined;
  /**
   * Called with every unexpected (5xx) error, a full or unreachable store (507, 503) and an error met while cleaning
   * up after another; the response never carries their details.
   */
  onError?: ((error: unknown, request: Request) => void) | undefined;
  /**
   * Where the store's changes are announced and heard (change-feed/): every publish, deprecation, yank, restore,
   * revocation and key change this app makes is published to it, and each event heard drops the caches it
   * touches. With a feed shared by replicas (PostgreSQL LISTEN/NOTIFY), give `readCacheTtlMs: Infinity` and
   * `tokenCacheTtlMs: Infinity`: the caches then follow the events, not a clock.
   */
  changeFeed?: ChangeFeed | undefined;
  /**
   * How long a blob no record references any more is kept before it is deleted, in ms. Default 0: this app is the
   * one process writing its stores. Give `SHARED_STORE_BLOB_GRACE_MS` when others write them too (workers,
   * replicas): their uploads of identical bytes are not seen by this process's per-digest lock (blob-keeper.ts).
   */
  replacedBlobGraceMs?: number | undefined;
  /** How long a cached token is trusted. Default 5 s. */
  tokenCacheTtlMs?: number | undefined;
  /** Prometheus metrics: served at `GET /metrics` and fed by the store's writes and the cache invalidations. */
  metrics?: RegistryMetrics | undefined;
  /**
   * What `GET /readyz` checks. Default: the metadata store and the blob store each answer a lookup of a record
   * that does not exist.
   */
  readinessChecks?: Readonly<Record<string, ReadinessCheck>> | undefined;
}

export { DEFAULT_DRAFT_QUOTA_BYTES, DEFAULT_MAX_FILE_BYTES };
const JSON_BODY_LIMIT = 1024 * 1024;

export type RegistryApp = OpenAPIHono<{ Variables: { principal: Principal | undefined } }> & {
  /**
   * The hot public reads answered from a bare path, for `startServer`'s `fastRead`: the same bytes as the app
   * gives, without a Request and a Response per request; `undefined` means "ask the app".
   */
  fastRead: (path: string) => string | undefined;
  /** The same reads, and file downloads, answered on Node's raw response, for `startServer`'s `fastServe`. */
  fastServe: FastPath['serve'];
  /**
   * The pattern of the route that answers `method` `path` (`/v1/providers/:ns/:type/versions`), `unmatched` when
   * none does: the metrics' route label, never the raw path.
   */
  routeOf: (method: string, path: string) => string;
};

/**
 * The registry as a fetch handler: the read side terraform and tofu speak to, and the management API. It never
 * listens; `startServer` (node-server.ts) serves it on Node, and tests call `app.request()` directly.
 */
export function createRegistryApp(options: RegistryAppOptions): RegistryApp {
  const metrics = options.metrics;
  const metadata =
    options.changeFeed || metrics
      ? withChangeEvents(options.metadata, options.changeFeed, {
          onUpload: metrics?.countUpload,
          onPublish: metrics?.countPublish,
        })
      : options.metadata;
  const auth = createAuthenticator(
    metadata,
    options.adminToken,
    options.tokenCacheTtlMs === undefined ? {} : { cacheTtlMs: options.tokenCacheTtlMs },
  );
  const readModel = createReadModel(metadata, options.readCacheTtlMs);
  if (options.changeFeed) {
    subscribeCacheInvalidation(options.changeFeed, { readModel, auth, onInvalidate: metrics?.countCacheInvalidation });
  }
  const signer = createUrlSigner(options.urlSigningSecret ?? randomBytes(32), options.urlTtlSeconds);
  const app = new OpenAPIHono<{ Variables: { principal: Principal | undefined } }>({
    // A body that does not match the schema: one 400 listing every field that is wrong.
    defaultHook: (result) => {
      if (result.success) return;
      const error = new HttpError(400, 'REQUEST_INVALID', 'The request does not match the API.');
      error.errors.splice(
        0,
        1,
        ...result.error.issues.map((issue) => ({
          // Path names checked against terraform's rules carry their own code (api-kit.ts).
          code: issue.code === 'custom' && issue.params?.code === 'NAME_INVALID' ? 'NAME_INVALID' : 'REQUEST_INVALID',
          message: `${result.target}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`,
        })),
      );
      throw error;
    },
  });

  app.onError((error, c) => {
    const http = toHttpError(error);
    // A client that went away (or timed out) mid-request is not a server fault: no error log, no 5xx. The answer
    // reaches no one; the access log shows the request as aborted.
    if (!http && isClientGone(c.req.raw)) return new Response(null, { status: 499 });
    // Logged: a server fault, a full or unreachable store (a known code, but the operator's to fix), and whatever
    // failed while cleaning up after the error.
    if (!http || isOperatorProblem(http)) options.onError?.(error, c.req.raw);
    for (const suppressed of takeSuppressedErrors(error)) options.onError?.(suppressed, c.req.raw);
    if (!http) {
      return c.json({ errors: [{ code: 'INTERNAL', message: 'The registry failed; the error is in its log.' }] }, 500);
    }
    return c.json(errorBody(http), http.status, http.headers);
  });
  app.notFound((c) =>
    c.json(
      { errors: [{ code: 'NOT_FOUND', message: `No route ${c.req.method} ${new URL(c.req.url).pathname}.` }] },
      404,
    ),
  );

  // JSON bodies are small; only the files route streams large bodies (and has its own cap).
  const jsonLimit = bodyLimit({
    maxSize: JSON_BODY_LIMIT,
    onError: () => {
      throw new HttpError(413, 'BODY_TOO_LARGE', 'JSON request bodies are limited to 1 MiB.');
    },
  });
  app.on(['POST', 'PATCH', 'DELETE'], '/api/v1/*', jsonLimit);
  // Who called, for the access-log line the server writes when the response ends (access-log.ts).
  app.use('*', async (c, next) => {
    await next();
    noteCaller(c.req.raw, c.get('principal'));
  });

  mountHealthRoutes(app, {
    checks: options.readinessChecks ?? defaultReadinessChecks(metadata, options.blobs),
    metrics,
  });
  mountProtocolRoutes(app, { readModel, blobs: options.blobs, auth, signer });
  mountApiRoutes(app, {
    ...createDraftServiceDeps({
      metadata,
      blobs: options.blobs,
      zipLimits: options.zipLimits,
      maxFileBytes: options.maxFileBytes,
      draftQuotaBytes: options.draftQuotaBytes,
      validations: { maxConcurrent: options.maxConcurrentValidations, maxQueued: options.maxQueuedValidations },
      replacedBlobGraceMs: options.replacedBlobGraceMs,
    }),
    auth,
    readModel,
  });
  const fast = createFastPath({ readModel, blobs: options.blobs, signer });
  const fastRead = (path: string) => fast.answer(path)?.json;
  return Object.assign(app, { fastRead, fastServe: fast.serve, routeOf: createRouteOf(app) });
}

/** A lookup of a record that does not exist, in each store: it answers only when the store is reachable. */
function defaultReadinessChecks(metadata: MetadataStore, blobs: BlobStore): Record<string, ReadinessCheck> {
  return {
    database: () => metadata.getNamespace('signet-readiness-probe'),
    blobs: () => blobs.stat('0'.repeat(64)),
  };
}

function createRouteOf(app: OpenAPIHono<{ Variables: { principal: Principal | undefined } }>): RegistryApp['routeOf'] {
  return (method, path) => {
    // hono answers HEAD with the GET route.
    const [matches] = app.router.match(method === 'HEAD' ? 'GET' : method, path);
    for (let i = matches.length - 1; i >= 0; i--) {
      const route = matches[i]![0][1];
      // Middleware (app.use, or a pattern ending in *) is not the route that answered.
      if (route.method !== 'ALL' && !route.path.endsWith('*')) return route.path;
    }
    return 'unmatched';
  };
}
