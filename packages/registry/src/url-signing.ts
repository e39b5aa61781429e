import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring file URLs for private namespaces. Terraform never sends its bearer token to file URLs
 * (terraform-protocol.md §0.4), so the download response carries `?expires=…&signature=…` instead; a query
 * string is kept verbatim on HEAD and GET.
 */
export interface UrlSigner {
  sign(path: string, now?: number): string;
  verify(path: string, query: { expires?: string | undefined; signature?: string | undefined }, now?: number): boolean;
}

/** `secret` must be at least 32 random bytes; `ttlSeconds` is how long a link stays valid. */
export function createUrlSigner(secret: Uint8Array, ttlSeconds = 3600): UrlSigner {
  if (secret.length < 32) throw new Error('The URL signing secret must be at least 32 bytes.');
  const mac = (path: string, expires: string) => createHmac('sha256', secret).update(`${path}\n${expires}`).digest();
  return {
    sign(path, now = Date.now()) {
      const expires = String(Math.floor(now / 1000) + ttlSeconds);
      return `${path}?expires=${expires}&signature=${mac(path, expires).toString('base64url')}`;
    },
    verify(path, query, now = Date.now()) {
      const { expires, signature } = query;
      if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return false;
      if (Number(expires) * 1000 < now) return false;
      const expected = mac(path, expires);
      const given = Buffer.from(signature, 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
