// The client against registries that misbehave, each a real server on 127.0.0.1: one that accepts the connection
// and never answers, one that fails twice and then answers, one that fails a POST, one that breaks the connection,
// and ones that answer with something that is not the API (a redirect, an HTML page, JSON of another shape).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryClient, RegistryError, type RegistryClient } from './index';

let dir: string;
let filePath: string;
const FILE = 'the bytes of a release file\n';
const FILE_SHA256 = 'ea0f4e0f7dae6bd5e5ee0b9d1d5b5a1b3d3c9f79d1d6e8e8f2b6d9a3c3e1a2b4'; // any hex: the stand-in checks nothing
const open: { close: () => unknown }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-client-'));
  filePath = join(dir, 'terraform-provider-hello_1.0.0_SHA256SUMS');
  await writeFile(filePath, FILE);
});
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

type Handler = (request: IncomingMessage, body: string, response: ServerResponse, count: number) => void;

/** An HTTP server on 127.0.0.1 that records every request (method, path, body) and answers with `handler`. */
async function serve(handler: Handler) {
  const requests: { method: string; path: string; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method!, path: request.url!, body });
      handler(request, body, response, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise((resolve) => server.close(resolve)) });
  server.on('connection', (socket) => open.push({ close: () => socket.destroy() }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function client(url: string, options: { timeoutMs?: number } = {}): Promise<RegistryClient> {
  const c = await createRegistryClient({ url, token: 'signet_test', retryDelayMs: 1, ...options });
  open.push({ close: () => c.close() });
  return c;
}

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const WHOAMI = { role: 'admin', namespaces: [] };
const UPLOADED = { file_name: 'x', sha256: FILE_SHA256, size: FILE.length, uploaded_at: 'now', unchanged: false };
const busy = { errors: [{ code: 'BUSY', message: 'Busy; retry.' }] };

describe('a registry that accepts the connection and never answers', () => {
  it('times a request out with REGISTRY_TIMEOUT instead of waiting for ever, and does not repeat it', async () => {
    let connections = 0;
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => {
      connections++;
      sockets.push(socket);
      socket.resume(); // read the request, never write
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise((resolve) => silent.close(resolve));
      },
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const c = await client(url, { timeoutMs: 200 });
    await expect(c.whoami()).rejects.toMatchObject({
      code: 'REGISTRY_TIMEOUT',
      message: expect.stringMatching(
        /accepted the connection but sent nothing for 0\.2 s \(GET \/api\/v1\/whoami\).*--timeout/,
      ),
    });
    // An upload is sent whole, then the silence counts.
    await expect(
      c.uploadFile({ namespace: 'acme', type: 'hello', version: '1.0.0' }, 'f', filePath, FILE_SHA256),
    ).rejects.toMatchObject({ code: 'REGISTRY_TIMEOUT' });
    expect(connections).toBe(2);
  });

  it('times out a body that stops half-way', async () => {
    const { url } = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"role":');
    });
    await expect((await client(url, { timeoutMs: 200 })).whoami()).rejects.toMatchObject({ code: 'REGISTRY_TIMEOUT' });
  });
});

describe('retries: idempotent requests only, on 5xx, 429 and broken connections', () => {
  it('a GET answered 503 twice, then 200, succeeds on the third attempt', async () => {
    const { url, requests } = await serve((_r, _b, response, count) =>
      count <= 2 ? answer(response, 503, busy, { 'retry-after': '0' }) : answer(response, 200, WHOAMI),
    );
    expect(await (await client(url)).whoami()).toEqual(WHOAMI);
    expect(requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('an upload with a checksum answered 503 twice is sent again whole, then succeeds', async () => {
    const { url, requests } = await serve((_r, _b, response, count) =>
      count <= 2 ? answer(response, 503, busy) : answer(response, 201, UPLOADED),
    );
    const uploaded = await (
      await client(url)
    ).uploadFile({ namespace: 'acme', type: 'hello', version: '1.0.0' }, 'f', filePath, FILE_SHA256);
    expect(uploaded).toEqual(UPLOADED);
    expect(requests.map((r) => [r.method, r.body])).toEqual([
      ['PUT', FILE],
      ['PUT', FILE],
      ['PUT', FILE],
    ]);
  });

  it('gives up after the retries with the registry error (exit 3 material: BUSY)', async () => {
    const { url, requests } = await serve((_r, _b, response) => answer(response, 503, busy));
    await expect((await client(url)).listNamespaces()).rejects.toMatchObject({ status: 503, code: 'BUSY' });
    expect(requests).toHaveLength(3);
  });

  it('a POST answered 500 is not sent again', async () => {
    const { url, requests } = await serve((_r, _b, response) =>
      answer(response, 500, { errors: [{ code: 'INTERNAL', message: 'The registry failed.' }] }),
    );
    const error = await (await client(url)).publish('acme', 'hello', '1.0.0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/providers/acme/hello/versions/1.0.0/publish',
    ]);
  });

  it('an upload without a checksum answered 503 is not sent again', async () => {
    const { url, requests } = await serve((_r, _b, response) => answer(response, 503, busy));
    await expect(
      (await client(url)).uploadFile({ namespace: 'acme', type: 'hello', version: '1.0.0' }, 'f', filePath),
    ).rejects.toMatchObject({ status: 503 });
    expect(requests).toHaveLength(1);
  });

  it('a GET whose connection is reset is sent again', async () => {
    const { url, requests } = await serve((request, _b, response, count) => {
      if (count === 1) request.socket.destroy();
      else answer(response, 200, WHOAMI);
    });
    expect(await (await client(url)).whoami()).toEqual(WHOAMI);
    expect(requests).toHaveLength(2);
  });
});

describe('answers that are not the API are a clear RESPONSE_INVALID', () => {
  it.each([
    [
      'a redirect',
      (response: ServerResponse) => {
        response.writeHead(302, { location: 'https://login.example.com/sso' });
        response.end();
      },
      /GET \/api\/v1\/whoami: expected an answer, found a redirect \(302\) to "https:\/\/login\.example\.com\/sso"/,
    ],
    [
      'an HTML page',
      (response: ServerResponse) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<!doctype html><title>Welcome to nginx</title>');
      },
      /expected the registry's JSON, found an HTML page \(text\/html\).*--registry is the URL of a Signet registry/,
    ],
    [
      'JSON of another shape',
      (response: ServerResponse) => answer(response, 200, { user: 'admin' }),
      /found JSON of another shape \(role: .*\)/,
    ],
  ])('%s', async (_what, handler, message) => {
    const { url } = await serve((_r, _b, response) => handler(response));
    const error = await (await client(url)).whoami().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RESPONSE_INVALID', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toMatch(/Cannot read properties/);
  });

  it('an error page from a proxy keeps its status and says what it is', async () => {
    const { url } = await serve((_r, _b, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html><body>Bad gateway</body></html>');
    });
    await expect((await client(url)).whoami()).rejects.toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: expect.stringMatching(/The answer is not the registry's: an HTML page/),
    });
  });
});
