import { randomBytes } from 'node:crypto';

import { OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from '@signet/core';
import { bodyLimit } from 'hono/body-limit';

import { createAuthenticator, type Principal } from './http/auth';
import { mountApiRoutes } from './http/api-routes';
import { errorBody, HttpError, toHttpError } from './http/errors';
import { createFastReads, mountProtocolRoutes } from './http/protocol-routes';
import { createReadModel } from './http/read-model';
import type { BlobStore } from './storage/blob-store';
import type { MetadataStore } from './storage/metadata-store';
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
  /** Largest file an upload may send. Default 1 GiB. */
  maxFileBytes?: number | undefined;
  zipLimits?: ZipLimits | undefined;
  /** How stale the read model may be when other processes share the store. Default 5 s. */
  readCacheTtlMs?: number | undefined;
  /** Called with every unexpected (5xx) error; the response never carries its details. */
  onError?: ((error: unknown, request: Request) => void) | undefined;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;
const JSON_BODY_LIMIT = 1024 * 1024;

export type RegistryApp = OpenAPIHono<{ Variables: { principal: Principal | undefined } }> & {
  /**
   * The hot public reads answered from a bare path, for `startServer`'s `fastRead`: the same bytes as the app
   * gives, without a Request and a Response per request; `undefined` means "ask the app".
   */
  fastRead: (path: string) => string | undefined;
};

/**
 * The registry as a fetch handler: the read side terraform and tofu speak to, and the management API. It never
 * listens; `startServer` (node-server.ts) serves it on Node, and tests call `app.request()` directly.
 */
export function createRegistryApp(options: RegistryAppOptions): RegistryApp {
  const auth = createAuthenticator(options.metadata, options.adminToken);
  const readModel = createReadModel(options.metadata, options.readCacheTtlMs);
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
          code: 'REQUEST_INVALID',
          message: `${result.target}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`,
        })),
      );
      throw error;
    },
  });

  app.onError((error, c) => {
    const http = toHttpError(error);
    if (!http) {
      options.onError?.(error, c.req.raw);
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

  mountProtocolRoutes(app, { readModel, blobs: options.blobs, auth, signer });
  mountApiRoutes(app, {
    metadata: options.metadata,
    blobs: options.blobs,
    auth,
    readModel,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    zipLimits: options.zipLimits ?? DEFAULT_ZIP_LIMITS,
  });
  return Object.assign(app, { fastRead: createFastReads(readModel) });
}
