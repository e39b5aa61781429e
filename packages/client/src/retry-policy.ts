// When a request is sent again. Only requests that mean the same thing when repeated (reads, deletes, and the
// upload of a file whose checksum the registry checks) are retried, and only when the registry or the path to
// it failed on its own side: a 5xx, a 429, a connection that broke. A POST (publish, create) is never repeated:
// its first attempt may have taken effect. A timeout is not retried either: a registry that did not answer for
// a minute is not helped by three more minutes of waiting.

/** HTTP statuses worth a retry of an idempotent request. */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Socket failures worth a retry: the connection broke, it was not refused. */
const RETRY_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** The longest wait between two attempts, also when the registry's Retry-After asks for more. */
const MAX_DELAY_MS = 30_000;

export interface RetryOptions {
  /** How many times a failed idempotent request is sent again. Default 2. */
  retries: number;
  /** The first wait; each next one doubles. Default 500 ms. */
  retryDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 2, retryDelayMs: 500 };

/** True when the request may be sent again (`checked`: an upload whose checksum the registry verifies). */
export function isIdempotent(method: string, checked: boolean): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'DELETE' || (method === 'PUT' && checked);
}

export function isRetryStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/** True for a broken connection (undici puts the socket's code on the error or its cause). */
export function isRetryError(error: unknown): boolean {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  return RETRY_ERRORS.has(String(code)) || RETRY_ERRORS.has(String(cause?.code));
}

/** The wait before attempt `attempt + 1` (0-based): Retry-After when the registry sent one, else backoff. */
export function retryDelayMs(options: RetryOptions, attempt: number, retryAfter?: string): number {
  const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
  const delay = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : options.retryDelayMs * 2 ** attempt;
  return Math.min(delay, MAX_DELAY_MS);
}
