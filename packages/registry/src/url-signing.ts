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

// An HMAC-SHA256 in base64url without padding is exactly 43 characters. Only that one spelling verifies: Node's
// base64 decoder also takes padding, the `+/` alphabet, trailing junk and other low bits in the last character, so
// decoding before comparing would let one signature be written many ways (a cache key, a log, a deny list would
// each see a different URL for the same grant).
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** `secret` must be at least 32 random bytes; `ttlSeconds` is how long a link stays valid. */
export function createUrlSigner(secret: Uint8Array, ttlSeconds = 3600): UrlSigner {
  if (secret.length < 32) throw new Error('The URL signing secret must be at least 32 bytes.');
  const mac = (path: string, expires: string) =>
    createHmac('sha256', secret).update(`${path}\n${expires}`).digest('base64url');
  return {
    sign(path, now = Date.now()) {
      const expires = String(Math.floor(now / 1000) + ttlSeconds);
      return `${path}?expires=${expires}&signature=${mac(path, expires)}`;
    },
    verify(path, query, now = Date.now()) {
      const { expires, signature } = query;
      if (!expires || !signature || !/^\d{1,12}$/.test(expires) || !SIGNATURE_PATTERN.test(signature)) return false;
      if (Number(expires) * 1000 < now) return false;
      // Compare the canonical text itself: same length by the pattern, constant time.
      return timingSafeEqual(Buffer.from(signature, 'latin1'), Buffer.from(mac(path, expires), 'latin1'));
    },
  };
}
