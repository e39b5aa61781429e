import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { getRequestListener } from '@hono/node-server';

export interface StartServerOptions {
  /** The app's fetch handler (`createRegistryApp(...).fetch`). */
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
  /** PEM certificate chain and key; plain HTTP when absent (tests, or TLS terminated by a proxy). */
  tls?: { cert: string; key: string } | undefined;
  /** How long shutdown waits for requests in flight before closing their sockets. */
  shutdownGraceMs?: number;
  /**
   * Prepared JSON for a plain GET path, or `undefined` to let `fetch` answer (`createRegistryApp(...).fastRead`).
   * The hot protocol reads then skip the Request/Response the fetch adaptor builds per request (≈ 2× the rate).
   */
  fastRead?: ((path: string) => string | undefined) | undefined;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to the grace period), then closes every socket. */
  close(): Promise<void>;
}

/** Serves a fetch handler on Node over HTTPS (or HTTP), the one place the registry listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const app = getRequestListener(options.fetch);
  const listener: RequestListener = options.fastRead
    ? withFastRead(options.fastRead, app)
    : (req, res) => void app(req, res);
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

// What the fetch adaptor accepts without rewriting (@hono/node-server's url.ts): a host it does not parse, and a
// path without query, percent-encoding or dot segments, so the fast path sees the path the app's router would.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_PATH = /^\/[\w.~+-]+(?:\/[\w.~+-]+)*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

function withFastRead(
  fastRead: (path: string) => string | undefined,
  app: ReturnType<typeof getRequestListener>,
): RequestListener {
  return (req, res) => {
    const path = req.url ?? '';
    if (
      req.method === 'GET' &&
      PLAIN_HOST.test(req.headers.host ?? '') &&
      PLAIN_PATH.test(path) &&
      !DOT_SEGMENT.test(path)
    ) {
      const body = fastRead(path);
      if (body !== undefined) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
    }
    void app(req, res);
  };
}
