import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { getRequestListener } from '@hono/node-server';

import { readCaller, type AccessLogEntry } from './access-log';
import type { RequestObservation } from './metrics';

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
  /**
   * Answers a request on Node's raw response itself, or calls `next()` to let `fetch` answer
   * (`createRegistryApp(...).fastServe`: the hot reads and file downloads). Tried before `fastRead`.
   */
  fastServe?: ((req: IncomingMessage, res: ServerResponse, next: () => void) => void) | undefined;
  /** Called once per request when it ends (answered, aborted or timed out), fast path included. */
  accessLog?: ((entry: AccessLogEntry) => void) | undefined;
  /** How long a client may take to send a whole request (headers and body). Default Node's 300 s. */
  requestTimeoutMs?: number | undefined;
  /**
   * Request metrics, fast path included: called once per request when it ends, with the route pattern `routeOf`
   * gives (`createRegistryApp(...).routeOf`; `unmatched` without it), never the raw path.
   */
  metrics?: { observeRequest(observation: RequestObservation): void } | undefined;
  routeOf?: ((method: string, path: string) => string) | undefined;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to the grace period), then closes every socket. */
  close(): Promise<void>;
}

/** Serves a fetch handler on Node over HTTPS (or HTTP), the one place the registry listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  // The Request the app saw, for the access log's token ID.
  const requests = new WeakMap<IncomingMessage, Request>();
  // The adaptor's own clean-up of unread bodies closes the socket after 500 ms; withLingeringClose does it instead.
  const app = getRequestListener(
    (request, env) => {
      requests.set(env.incoming as IncomingMessage, request);
      return options.fetch(request);
    },
    { autoCleanupIncoming: false },
  );
  let listener: RequestListener = withLingeringClose(
    (req) => requests.get(req)?.body,
    withFastServe(
      options.fastServe,
      options.fastRead ? withFastRead(options.fastRead, app) : (req, res) => void app(req, res),
    ),
  );
  if (options.accessLog) listener = withAccessLog(options.accessLog, (req) => readCaller(requests.get(req)), listener);
  if (options.metrics) listener = withRequestMetrics(options.metrics, options.routeOf, listener);
  const shutdown = createShutdownTracker();
  listener = shutdown.wrap(listener);
  const timeouts = timeoutOptions(options.requestTimeoutMs);
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ...timeouts }, listener)
    : createHttpServer(timeouts, listener);
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
        shutdown.begin(() => server.closeIdleConnections());
      });
      return closing;
    },
  };
}

/**
 * Graceful shutdown of kept-alive connections: `server.close()` stops accepting and drops idle connections, but a
 * connection busy with a request would stay open for its keep-alive timeout after the answer. So, once shutdown
 * begins, every answer not yet started says `Connection: close`, and each connection is dropped as soon as its
 * answer has ended: in-flight requests finish, nothing new starts.
 */
function createShutdownTracker() {
  const active = new Set<ServerResponse>();
  let closeIdle: (() => void) | undefined;
  return {
    wrap(listener: RequestListener): RequestListener {
      // One function for every response (no closure per request): 'close' comes once, with the response as `this`.
      function onClose(this: ServerResponse) {
        active.delete(this);
        if (closeIdle) setImmediate(closeIdle);
      }
      return (req, res) => {
        if (closeIdle) res.shouldKeepAlive = false;
        active.add(res);
        res.on('close', onClose);
        listener(req, res);
      };
    },
    begin(closeIdleConnections: () => void) {
      closeIdle = closeIdleConnections;
      for (const res of active) if (!res.headersSent) res.shouldKeepAlive = false;
      closeIdleConnections();
    },
  };
}

// What the fetch adaptor accepts without rewriting (@hono/node-server's url.ts): a host it does not parse, and a
// path without query, percent-encoding or dot segments, so the fast path sees the path the app's router would.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_PATH = /^\/[\w.~+-]+(?:\/[\w.~+-]+)*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

function withFastServe(fastServe: StartServerOptions['fastServe'], listener: RequestListener): RequestListener {
  if (!fastServe) return listener;
  return (req, res) => fastServe(req, res, () => listener(req, res));
}

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

/** How long an answered request's unread body is still read (and dropped) before its connection closes. */
export const LINGER_MS = 30_000;
/** ... and how long it may pause meanwhile. nginx's `lingering_time` and `lingering_timeout` defaults. */
export const LINGER_IDLE_MS = 5_000;

/**
 * An answer can come before the body it answers (a 413 from Content-Length, a 400 for a bad name): the client is
 * still sending. Closing the socket then fails the client's next write, and over TLS that loses the answer it had not
 * read yet (the client sees EPIPE, not the 413). So, as nginx does, what still comes is read and dropped — for at
 * most `LINGER_MS`, and `LINGER_IDLE_MS` without data — and only then is the connection closed. Nothing is kept.
 * `bodyOf` gives the body stream the app was handed, if it took one: once taken it holds the Node stream, so the
 * rest is read through it.
 */
function withLingeringClose(
  bodyOf: (req: IncomingMessage) => ReadableStream<Uint8Array> | null | undefined,
  listener: RequestListener,
): RequestListener {
  return (req, res) => {
    // Only a request that has a body can leave one unread (the hot reads have none: no listener, no timer for them).
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      listener(req, res);
      return;
    }
    res.once('finish', () => {
      if (!req.readableEnded && !req.destroyed) linger(req, bodyOf(req));
    });
    listener(req, res);
  };
}

function linger(req: IncomingMessage, body: ReadableStream<Uint8Array> | null | undefined): void {
  const close = () => {
    done();
    req.socket?.destroySoon();
  };
  const idle = setTimeout(close, LINGER_IDLE_MS);
  const total = setTimeout(close, LINGER_MS);
  const onData = () => idle.refresh();
  const done = () => {
    clearTimeout(idle);
    clearTimeout(total);
    req.off('data', onData);
  };
  req.once('close', done);
  if (body && !body.locked) {
    const reader = body.getReader();
    void (async () => {
      try {
        while (!(await reader.read()).done) onData();
      } catch {
        // the client went away: nothing left to read
      } finally {
        done();
      }
    })();
    return;
  }
  req.on('data', onData);
  req.once('end', done);
  req.resume();
}

function timeoutOptions(requestTimeoutMs: number | undefined) {
  if (requestTimeoutMs === undefined) return {};
  // Node checks for expired requests every `connectionsCheckingInterval` (30 s by default) and wants the headers
  // timeout within the request timeout.
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(requestTimeoutMs / 4))),
  };
}

/** Calls `log` once per request, when its response has ended or its connection closed. */
function withAccessLog(
  log: (entry: AccessLogEntry) => void,
  tokenIdOf: (req: IncomingMessage) => string | undefined,
  listener: RequestListener,
): RequestListener {
  return (req, res) => {
    const started = performance.now();
    const bytes = countBodyBytes(res);
    res.once('close', () => {
      const aborted = !res.writableFinished;
      // `req.socket` is null once Node has let go of a kept-alive connection (its type does not say so).
      const timedOut = (req.socket?.errored as { code?: string } | null)?.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const entry: AccessLogEntry = {
        time: new Date().toISOString(),
        method: req.method ?? '',
        path: (req.url ?? '').split('?', 1)[0]!,
        status: timedOut ? 408 : aborted && !res.headersSent ? 499 : res.statusCode,
        bytes: bytes(),
        ms: Math.round(performance.now() - started),
      };
      const tokenId = tokenIdOf(req);
      if (tokenId !== undefined) entry.token_id = tokenId;
      if (aborted) entry.aborted = true;
      log(entry);
    });
    listener(req, res);
  };
}

/** Observes each request's method, route pattern, status and duration once its response ended or its socket closed. */
function withRequestMetrics(
  metrics: NonNullable<StartServerOptions['metrics']>,
  routeOf: StartServerOptions['routeOf'],
  listener: RequestListener,
): RequestListener {
  const route = routeOf ? rememberRoutes(routeOf) : () => 'unmatched';
  // One function for every response (no closure per request), with the start time on the response itself.
  function onClose(this: TimedResponse) {
    const method = this.req.method ?? '';
    const url = this.req.url ?? '';
    const mark = url.indexOf('?');
    metrics.observeRequest({
      method,
      route: route(method, mark === -1 ? url : url.slice(0, mark)),
      status: !this.writableFinished && !this.headersSent ? 499 : this.statusCode,
      seconds: (performance.now() - this[STARTED]) / 1000,
    });
  }
  return (req, res) => {
    (res as TimedResponse)[STARTED] = performance.now();
    res.on('close', onClose);
    listener(req, res);
  };
}

const STARTED = Symbol('started');
type TimedResponse = ServerResponse & { [STARTED]: number };

/** Paths whose route pattern is remembered, and the longest path remembered. */
const ROUTES_KEPT = 1_000;
const LONGEST_REMEMBERED_PATH = 256;

/**
 * `routeOf` remembered per method and path: matching the app's router for every request cost as much as the
 * fast path's whole answer, and the hot reads ask for the same few paths again and again. Bounded in entries and
 * length: a client inventing paths only makes it start over.
 */
function rememberRoutes(routeOf: (method: string, path: string) => string): (method: string, path: string) => string {
  // By method, then by path: the path is the request's own URL string, whose hash the fast path's lookup has
  // already computed, so a hit builds no key.
  const known = new Map<string, Map<string, string>>();
  let size = 0;
  return (method, path) => {
    if (path.length > LONGEST_REMEMBERED_PATH) return routeOf(method, path);
    let byPath = known.get(method);
    let route = byPath?.get(path);
    if (route === undefined) {
      route = routeOf(method, path);
      if (size >= ROUTES_KEPT) {
        known.clear();
        size = 0;
        byPath = undefined;
      }
      if (byPath === undefined) known.set(method, (byPath = new Map<string, string>()));
      byPath.set(path, route);
      size++;
    }
    return route;
  };
}

/** Counts the body bytes written to `res` (what `write` and `end` are given; headers are not counted). */
function countBodyBytes(res: ServerResponse): () => number {
  let count = 0;
  const add = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string')
      count += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) count += chunk.byteLength;
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    add(args[0], args[1]);
    return write(...args);
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') add(args[0], args[1]);
    return end(...args);
  }) as ServerResponse['end'];
  return () => count;
}
