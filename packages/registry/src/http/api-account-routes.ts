import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { assertNamespace, assertProviderName, inspectKey, readPublicKeyArmored } from '@signet/core';

import {
  body,
  caller,
  json,
  keyIdParam,
  mustNamespace,
  nsParam,
  route,
  tokenIdParam,
  type ApiDeps,
  type ApiEnv,
} from './api-kit';
import * as S from './api-schemas';
import { createTokenId, createTokenSecret, hashTokenSecret, requirePermission, requireToken } from './auth';
import { HttpError } from './errors';

/** whoami, namespaces, tokens, GPG keys and providers. */
export function mountAccountRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { metadata, auth } = deps;

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
      for (const ns of input.namespaces) {
        assertNamespace(ns); // a name terraform refuses names no namespace: never looked up
        await mustNamespace(metadata, ns);
      }
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
      request: { params: z.object({ id: tokenIdParam }) },
      responses: { 200: json(S.Revoked, 'Revoked') },
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
      request: { params: nsParam.extend({ key_id: keyIdParam }) },
      responses: { 200: json(S.Deleted, 'Deleted') },
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
}
