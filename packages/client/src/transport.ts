import { setTimeout as sleep } from 'node:timers/promises';

import { ARTIFACT_SIZE_LIMITS, type SignetError } from '@signet/core';
import { Agent, request, type Dispatcher } from 'undici';

import type { Answer } from './parse-answer';
import { createClientError } from './registry-error';
import { isIdempotent, isRetryError, isRetryStatus, retryDelayMs, type RetryOptions } from './retry-policy';

// The HTTP side of the client: one undici agent with timeouts, and the retry loop. undici's own retry
// interceptor never repeats a request whose body is a stream (its RetryHandler stops once the body is
// disturbed), and uploads are the requests where a retry matters most; one loop here, given a body factory that
// opens the file again, serves every request with one policy (retry-policy.ts).

export interface TransportOptions extends RetryOptions {
  /** How long opening the connection (TCP and TLS) may take. */
  connectTimeoutMs: number;
  /** How long the registry may stay silent: before the answer's headers, and between two chunks of its body. */
  timeoutMs: number;
  /** Extra CAs (PEM) trusted besides Node's own. */
  ca?: string[] | undefined;
}

export interface RequestInit {
  headers?: Record<string, string>;
  /** Made anew for every attempt (a file stream cannot be sent twice). */
  body?: () => Dispatcher.DispatchOptions['body'];
  /** An upload whose checksum the registry checks: safe to repeat. */
  checked?: boolean;
  /** The file this request uploads, for the message when the registry hangs up during it. */
  upload?: { fileName: string; size: number };
}

export interface Transport {
  /** Sends a request (retried when that is safe) and reads the whole answer. */
  send(method: Dispatcher.HttpMethod, url: URL, init?: RequestInit): Promise<Answer>;
  /** Sends a GET (retried when that is safe) and gives the answer with its body unread. */
  open(url: URL, headers: Record<string, string>): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

export function createTransport(options: TransportOptions): Transport {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs, ...(options.ca ? { ca: options.ca } : {}) },
    // undici restarts the headers timer whenever a chunk of the request body goes out: a long upload is fine,
    // a registry that takes the whole body and then says nothing is not.
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  async function attempt(method: Dispatcher.HttpMethod, url: URL, init: RequestInit) {
    const retryable = isIdempotent(method, init.checked === true);
    for (let tries = 0; ; tries++) {
      const last = !retryable || tries >= options.retries;
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, { method, headers: init.headers, body: init.body?.(), dispatcher: agent });
      } catch (error) {
        if (last || !isRetryError(error)) throw describeFailure(url, method, error, options, init.upload);
        await sleep(retryDelayMs(options, tries));
        continue;
      }
      if (last || !isRetryStatus(response.statusCode)) return response;
      await response.body.dump();
      await sleep(retryDelayMs(options, tries, headerValue(response.headers['retry-after'])));
    }
  }

  return {
    async send(method, url, init = {}) {
      const response = await attempt(method, url, init);
      try {
        return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
      } catch (error) {
        throw describeFailure(url, method, error, options);
      }
    },
    open: (url, headers) => attempt('GET', url, { headers }),
    close: () => agent.close(),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A failed request as REGISTRY_TIMEOUT or REGISTRY_UNREACHABLE, with the fix. */
export function describeFailure(
  url: URL,
  method: string,
  error: unknown,
  options: Pick<TransportOptions, 'connectTimeoutMs' | 'timeoutMs'>,
  upload?: RequestInit['upload'],
): SignetError {
  const cause = error as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = cause.code ?? cause.cause?.code ?? '';
  const what = `${method} ${url.pathname}`;
  if (TIMEOUT_CODES.has(code)) {
    const connecting = code === 'UND_ERR_CONNECT_TIMEOUT';
    const seconds = (connecting ? options.connectTimeoutMs : options.timeoutMs) / 1000;
    return createClientError(
      'REGISTRY_TIMEOUT',
      connecting
        ? `Cannot reach the registry at ${url.origin}: no connection within ${seconds} s (${what}). Check the URL and that the registry is running; --connect-timeout raises the limit.`
        : `The registry at ${url.origin} accepted the connection but sent nothing for ${seconds} s (${what}). It may be overloaded or not a Signet registry; --timeout raises the limit.`,
      error,
    );
  }
  if (upload !== undefined && isRetryError(error)) return hungUpDuringUpload(url, what, upload, error);
  const detail = cause.cause?.message ?? cause.message ?? String(error);
  const tlsCode = cause.cause?.code ?? cause.code ?? '';
  const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(tlsCode)
    ? ' The certificate is not trusted: pass --ca-file DATA/tls/ca.pem (or set SSL_CERT_FILE) for a `signet serve` registry.'
    : ' Check the URL and that the registry is running.';
  return createClientError(
    'REGISTRY_UNREACHABLE',
    `Cannot reach the registry at ${url.origin}: ${detail}.${hint}`,
    error,
  );
}

// A registry that refuses an upload from its size may answer before the body is sent and close the connection; when
// it resets the connection before the client has read that answer (a proxy that hangs up at once, or the TCP reset
// racing a TLS read), the answer is lost: no client can read it. Signet's own registry keeps the connection until the
// client has its answer, so this is the fallback: say which limits make a registry do this.
function hungUpDuringUpload(
  url: URL,
  what: string,
  upload: NonNullable<RequestInit['upload']>,
  error: unknown,
): SignetError {
  const { shasums, signature, manifest } = ARTIFACT_SIZE_LIMITS;
  return createClientError(
    'REGISTRY_UNREACHABLE',
    `The registry at ${url.origin} closed the connection while ${upload.fileName} (${upload.size} bytes) was being sent (${what}), before its answer could be read. ` +
      `A registry does this when it refuses an upload from its size: a zip over its file size limit (signet serve --max-file-size, 1 GiB by default), ` +
      `a SHA256SUMS over ${shasums} bytes, a .sig over ${signature} bytes or a manifest over ${manifest} bytes, or more than the namespace's draft quota (signet serve --draft-quota). ` +
      'Check the file against these limits (signet validate reports the small files over theirs); if it is within them, the connection broke: publish again.',
    error,
  );
}
