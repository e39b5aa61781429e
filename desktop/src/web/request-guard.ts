// Browser mode's gate, before any route: the Host must be this server's own (a DNS-rebinding page reaches
// 127.0.0.1 under its own host name), an Origin, when sent, must be this server's (CSRF), and every request
// carries the session token: the HttpOnly SameSite=Strict cookie set by the first page load's `?token=`, or an
// `Authorization: Bearer` header (tests, scripts). Anything else is 403 and reaches no handler.
import { timingSafeEqual } from 'node:crypto';

import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export interface RequestGuardOptions {
  token: string;
  /** The port the server listens on (known once it listens). */
  port: () => number;
}

/** One cookie name per port: cookies are shared by every port of 127.0.0.1, sessions must not be. */
export function sessionCookieName(port: number): string {
  return `signet_session_${port}`;
}

export function createRequestGuard(options: RequestGuardOptions): MiddlewareHandler {
  const expected = Buffer.from(options.token);
  const matches = (value: string | undefined) => {
    if (value === undefined) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return async (c, next) => {
    const port = options.port();
    const own = [`127.0.0.1:${port}`, `localhost:${port}`];
    const host = c.req.header('host');
    if (host === undefined || !own.includes(host.toLowerCase()))
      return refuse(c, 'this server answers only as 127.0.0.1 or localhost with its port');
    const origin = c.req.header('origin');
    if (origin !== undefined && !own.map((h) => `http://${h}`).includes(origin.toLowerCase())) {
      return refuse(c, 'requests from another origin are refused');
    }
    const cookie = sessionCookieName(port);
    const query = c.req.query('token');
    if (c.req.method === 'GET' && c.req.path === '/' && query !== undefined) {
      if (!matches(query)) return refuse(c, 'the session token is wrong; use the URL `pnpm desktop:web` printed');
      // The token leaves the address bar at once; from now on the cookie carries it.
      setCookie(c, cookie, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    const bearer = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!matches(getCookie(c, cookie)) && !matches(bearer)) {
      return refuse(c, 'no valid session token; open the URL `pnpm desktop:web` printed');
    }
    await next();
  };
}

function refuse(c: Context, why: string): Response {
  return c.text(`Forbidden: ${why}.\n`, 403);
}
