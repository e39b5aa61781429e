import type { OpenAPIHono } from '@hono/zod-openapi';

import { mountAccountRoutes } from './api-account-routes';
import type { ApiDeps, ApiEnv } from './api-kit';
import { mountVersionRoutes } from './api-version-routes';

export type { ApiDeps } from './api-kit';

/** The management API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json. */
export function mountApiRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { auth } = deps;

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

  mountAccountRoutes(app, deps);
  mountVersionRoutes(app, deps);
}
