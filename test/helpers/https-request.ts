import { Agent, request } from 'node:https';

/** What a raw request got back: the status and the body, parsed when it is JSON. */
export interface RawResponse {
  status: number;
  /** The body's bytes, and the same decoded as UTF-8. */
  body: Buffer;
  text: string;
  json: any;
}

export interface RawRequestOptions {
  method: string;
  /** The path as sent on the wire, percent-encoding and all. */
  path: string;
  headers?: Record<string, string>;
  /** Written with backpressure; an iterable without a content-length header goes out chunked. */
  body?: Buffer | string | Iterable<Buffer> | AsyncIterable<Buffer>;
  /** Aborts the request (and its body) on signal. */
  signal?: AbortSignal;
}

/**
 * One HTTPS request on a fresh connection, trusting `ca`, without any client library's help: for malformed JSON,
 * chunked bodies, bodies the server stops reading, and requests cut off mid-way. The answer wins over a write error
 * (a server may answer 413 and close while the body is still going out).
 */
export function rawRequest(baseUrl: string, ca: string, options: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl);
  // A connection of its own, kept alive like a real client's (undici, curl): `agent: false` would send
  // `Connection: close`, and a server then closes as soon as it has answered, cutting a body still going out.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise<RawResponse>((resolve, reject) => {
    let answered = false;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: options.path,
        method: options.method,
        headers: options.headers,
        ca,
        agent,
        signal: options.signal,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, text, json });
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    // Done with the request and its answer (or failed): the kept-alive connection goes too.
    req.once('close', () => agent.destroy());
    void writeBody(req, options.body, () => answered).catch(() => undefined);
  });
}

async function writeBody(
  req: ReturnType<typeof request>,
  body: RawRequestOptions['body'],
  answered: () => boolean,
): Promise<void> {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
    req.end(body);
    return;
  }
  for await (const chunk of body) {
    if (answered() || req.destroyed) return;
    if (!req.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          req.off('drain', done);
          req.off('close', done);
          resolve();
        };
        req.on('drain', done);
        req.on('close', done);
      });
    }
  }
  if (!req.destroyed) req.end();
}
