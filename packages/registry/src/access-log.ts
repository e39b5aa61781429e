import type { Principal } from './http/auth';

/**
 * One line of the access log: a request as the server saw it end. Never a token, a signature or a query string:
 * `path` is the path alone, and the caller is named by its token's ID.
 */
export interface AccessLogEntry {
  /** When the request ended (ISO 8601). */
  time: string;
  method: string;
  /** The request path as sent (percent-encoding kept), without the query. */
  path: string;
  /**
   * The status answered; 408 when the request timed out, 499 (as nginx logs it) when the client went away before
   * an answer.
   */
  status: number;
  /** Body bytes written to the client. */
  bytes: number;
  /** Milliseconds from the request's arrival to its end. */
  ms: number;
  /** The stored token's ID (`tok_…`), `SIGNET_ADMIN_TOKEN` for the admin token from the environment; absent otherwise. */
  token_id?: string;
  /** True when the connection closed before the answer was complete (client abort or timeout). */
  aborted?: true;
}

/** One JSON object and a newline: how `signet serve` prints each entry. */
export function formatAccessLogLine(entry: AccessLogEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

// The app learns who called; the server, which writes the log line once the last byte is out, asks for it by the
// Request it handed to the app. Weak, so a request forgotten by both is gone from here too.
const callers = new WeakMap<Request, string>();

/** Notes the caller of `request` for its access-log line (the app calls this once the route has run). */
export function noteCaller(request: Request, principal: Principal | undefined): void {
  if (!principal) return;
  callers.set(request, principal.tokenId ?? (principal.role === 'admin' ? 'SIGNET_ADMIN_TOKEN' : 'unknown'));
}

/** The token ID noted for `request`, if any. */
export function readCaller(request: Request | undefined): string | undefined {
  return request && callers.get(request);
}

/**
 * True when `request` failed because its client went away or timed out (its signal aborted, as @hono/node-server
 * does when the connection closes early): the client's doing, not a server fault.
 */
export function isClientGone(request: Request): boolean {
  return request.signal.aborted;
}
