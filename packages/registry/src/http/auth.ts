import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

import { LRUCache } from 'lru-cache';

import type { MetadataStore } from '../storage/metadata-store';
import type { TokenRecord, TokenRole } from '../storage/records';
import { HttpError } from './errors';

/** Who is calling: the admin (from SIGNET_ADMIN_TOKEN or a stored admin token) or a scoped token. */
export interface Principal {
  role: TokenRole;
  /** Namespaces a `publish`/`read` token is scoped to; empty for admin (every namespace). */
  namespaces: readonly string[];
  /** The stored token's ID; absent for the admin token from the environment. */
  tokenId?: string;
}

/** What a route needs: `read` is satisfied by `publish` and `admin`, `publish` by `admin`. */
export type Permission = TokenRole;

const RANK: Record<TokenRole, number> = { read: 0, publish: 1, admin: 2 };
const TOKEN_PREFIX = 'signet_';
// A stored token is looked up on every private read; revocation in this process clears the cache at once, the TTL
// bounds how long another replica keeps honouring a revoked token. Only tokens the store knows are kept, in an LRU:
// a stream of made-up tokens costs a store lookup each, never memory.
const CACHE_TTL_MS = 5_000;
const DEFAULT_MAX_CACHED_TOKENS = 1_000;

/** A new token's secret: shown once to its creator, stored only as its SHA-256. */
export function createTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function createTokenId(): string {
  return `tok_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface Authenticator {
  /** `undefined` without an Authorization header; throws 401 for a malformed one, 403 for an unknown token. */
  authenticate(header: string | undefined): Promise<Principal | undefined>;
  /** Forgets cached tokens (after a revocation). */
  invalidate(): void;
}

export interface AuthenticatorOptions {
  /** Stored tokens kept in memory (an LRU, each for 5 s at most). Default 1,000. */
  maxCachedTokens?: number;
  /**
   * How long a cached token is trusted. Default 5 s; a change feed that tells every replica of each revocation
   * (`invalidate`) makes it `Infinity`.
   */
  cacheTtlMs?: number;
}

/**
 * Resolves `Authorization: Bearer …` to a principal: the admin token given, or a stored token found by the SHA-256 of
 * its secret.
 */
export function createAuthenticator(
  metadata: MetadataStore,
  adminToken: string | undefined,
  options: AuthenticatorOptions = {},
): Authenticator {
  const adminHash = adminToken ? createHash('sha256').update(adminToken).digest() : undefined;
  const ttlMs = options.cacheTtlMs ?? CACHE_TTL_MS;
  const cache = new LRUCache<string, { token: TokenRecord; at: number }>({
    max: options.maxCachedTokens ?? DEFAULT_MAX_CACHED_TOKENS,
  });
  return {
    async authenticate(header) {
      if (header === undefined || header === '') return undefined;
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
      if (!match) {
        throw new HttpError(401, 'AUTH_MALFORMED', 'Expected "Authorization: Bearer TOKEN", found another scheme.', {
          'WWW-Authenticate': 'Bearer',
        });
      }
      const secret = match[1] as string;
      const hash = createHash('sha256').update(secret).digest();
      if (adminHash && timingSafeEqual(hash, adminHash)) return { role: 'admin', namespaces: [] };
      const hex = hash.toString('hex');
      let entry = cache.get(hex);
      if (!entry || Date.now() - entry.at > ttlMs) {
        const at = Date.now();
        const found = await metadata.findTokenBySecretHash(hex);
        entry = found && { token: found, at };
        if (entry) cache.set(hex, entry);
        else cache.delete(hex);
      }
      return principalOf(entry?.token);
    },
    invalidate() {
      cache.clear();
    },
  };
}

function principalOf(token: TokenRecord | undefined): Principal {
  if (!token || token.revokedAt !== undefined) {
    throw new HttpError(403, 'TOKEN_INVALID', 'The bearer token is unknown or revoked; ask an admin for a new one.');
  }
  return { role: token.role, namespaces: token.namespaces, tokenId: token.id };
}

/** True when `principal` may do `permission` in `namespace` (or globally, for admin-only actions). */
function allows(principal: Principal | undefined, permission: Permission, namespace?: string): boolean {
  if (!principal || RANK[principal.role] < RANK[permission]) return false;
  if (principal.role === 'admin') return true;
  return namespace !== undefined && principal.namespaces.includes(namespace);
}

/** Throws 401 without a token and 403 when the token may not do this. */
export function requirePermission(
  principal: Principal | undefined,
  permission: Permission,
  namespace?: string,
): Principal {
  if (!principal) {
    throw new HttpError(401, 'AUTH_REQUIRED', 'This needs a bearer token: send "Authorization: Bearer TOKEN".', {
      'WWW-Authenticate': 'Bearer',
    });
  }
  if (!allows(principal, permission, namespace)) {
    const scope = namespace === undefined ? '' : ` in namespace ${JSON.stringify(namespace)}`;
    throw new HttpError(
      403,
      'FORBIDDEN',
      `This token (${principal.role}${principal.namespaces.length ? ` for ${principal.namespaces.join(', ')}` : ''}) may not ${permission}${scope}; use a token with that scope.`,
    );
  }
  return principal;
}

/** Any valid token (routes that then show only what the token's scope covers). */
export function requireToken(principal: Principal | undefined): Principal {
  if (!principal) return requirePermission(principal, 'read');
  return principal;
}
