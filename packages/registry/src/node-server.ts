import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { createAdaptorServer } from '@hono/node-server';

export interface StartServerOptions {
  /** The app's fetch handler (`createRegistryApp(...).fetch`). */
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
  /** PEM certificate chain and key; plain HTTP when absent (tests, or TLS terminated by a proxy). */
  tls?: { cert: string; key: string } | undefined;
  /** How long shutdown waits for requests in flight before closing their sockets. */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to the grace period), then closes every socket. */
  close(): Promise<void>;
}

/** Serves a fetch handler on Node over HTTPS (or HTTP), the one place the registry listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const server = options.tls
    ? createAdaptorServer({
        fetch: options.fetch,
        createServer: createHttpsServer,
        serverOptions: { cert: options.tls.cert, key: options.tls.key },
      })
    : createAdaptorServer({ fetch: options.fetch, createServer: createHttpServer });
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
        const http = server as ReturnType<typeof createHttpServer>;
        const timer = setTimeout(() => http.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        timer.unref();
        http.close(() => {
          clearTimeout(timer);
          resolve();
        });
        http.closeIdleConnections();
      });
      return closing;
    },
  };
}
