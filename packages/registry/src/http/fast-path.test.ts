// The fast path (fast-path.ts) over a real socket, next to the app alone on another socket: for each request of the
// table both give the same status, headers and bytes, and the fast path answers itself exactly what it should (a
// counter on the app's fetch shows who answered). Files: whole, ranges, HEAD, If-None-Match, 416; private files only
// with a valid signed URL; everything else is the app's.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../node-server';
import { openPublishedRegistry, type PublishedRegistry } from '../security/published-registry';

let registry: PublishedRegistry;
let fast: RunningServer;
let plain: RunningServer;
let appCalls = 0;
let zipPath: string;
let zipBytes: Buffer;
let sumsPath: string;
let signedZip: string;
let signedSums: string;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

// What Node adds per connection or per second; everything else must be the same on both servers.
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function send(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const kept = Object.entries(res.headers).filter(([name]) => !TRANSPORT.has(name));
        resolve({
          status: res.statusCode!,
          headers: Object.fromEntries(kept.map(([name, value]) => [name, String(value)])),
          body: Buffer.concat(chunks),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The request on both servers; they must agree. Returns the answer and whether the fast path gave it. */
async function both(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const expected = await send(plain.url, path, headers, method);
  const before = appCalls;
  const answer = await send(fast.url, path, headers, method);
  expect(answer, `${method} ${path} ${JSON.stringify(headers)}`).toEqual(expected);
  return { ...answer, fastPath: appCalls === before };
}

beforeAll(async () => {
  registry = await openPublishedRegistry();
  const fetchCounted = (request: Request) => {
    appCalls++;
    return registry.app.fetch(request);
  };
  const host = '127.0.0.1';
  fast = await startServer({ fetch: fetchCounted, fastServe: registry.app.fastServe, host, port: 0 });
  plain = await startServer({ fetch: registry.app.fetch, host, port: 0 });
  const zip = registry.publicRelease.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
  zipPath = `/v1/files/acme/hello/1.0.0/${zip.fileName}`;
  zipBytes = await readFile(zip.path);
  sumsPath = '/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS';
  const download = await registry.call('GET', '/v1/providers/corp/secret/1.0.0/download/linux/amd64', {
    token: registry.readToken,
  });
  const urls = (await download.json()) as { download_url: string; shasums_url: string };
  signedZip = urls.download_url;
  signedSums = urls.shasums_url;
  // The views are loaded through the app first; only a loaded view is answered by the fast path.
  for (const path of [zipPath, '/v1/providers/acme/hello/versions']) await send(fast.url, path);
});
afterAll(async () => {
  await fast?.close();
  await plain?.close();
  await registry?.close();
});

describe('fast path: files', () => {
  it('streams a public zip whole, with its headers, from the fast path', async () => {
    const answer = await both(zipPath);
    expect(answer.fastPath).toBe(true);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(zipBytes)).toBe(true);
    const sha256 = createHash('sha256').update(zipBytes).digest('hex');
    expect(answer.headers).toEqual({
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${zipPath.split('/').at(-1)}"`,
      'accept-ranges': 'bytes',
      etag: `"${sha256}"`,
      'cache-control': 'public, max-age=31536000, immutable',
      'content-length': String(zipBytes.length),
    });
    const sums = await both(sumsPath);
    expect(sums).toMatchObject({ status: 200, fastPath: true });
    expect(sums.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('answers byte ranges, HEAD and If-None-Match like the app', async () => {
    const size = zipBytes.length;
    const cases: [Record<string, string>, number, Buffer | undefined][] = [
      [{ range: 'bytes=0-9' }, 206, zipBytes.subarray(0, 10)],
      [{ range: `bytes=${size - 5}-` }, 206, zipBytes.subarray(size - 5)],
      [{ range: 'bytes=-7' }, 206, zipBytes.subarray(size - 7)],
      [{ range: `bytes=10-${size + 100}` }, 206, zipBytes.subarray(10)],
      // Several ranges, or a header that is no range: the whole file.
      [{ range: 'bytes=0-1,5-6' }, 200, zipBytes],
      [{ range: 'pages=1' }, 200, zipBytes],
      [{ range: 'bytes=x-y' }, 200, zipBytes],
    ];
    for (const [headers, status, body] of cases) {
      const answer = await both(zipPath, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(status);
      expect(answer.fastPath).toBe(true);
      expect(answer.body.equals(body!), JSON.stringify(headers)).toBe(true);
      if (status === 206) {
        const start = size - body!.length - (headers.range === 'bytes=0-9' ? size - 10 : 0);
        expect(answer.headers['content-range']).toBe(`bytes ${start}-${start + body!.length - 1}/${size}`);
      }
    }
    const head = await both(zipPath, {}, 'HEAD');
    expect(head).toMatchObject({ status: 200, fastPath: true });
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(size));
    expect(await both(zipPath, { range: 'bytes=0-0' }, 'HEAD')).toMatchObject({ status: 206, fastPath: true });
    const etag = head.headers.etag!;
    for (const match of [etag, `W/${etag}`, `"x", ${etag}`, '*']) {
      const answer = await both(zipPath, { 'if-none-match': match });
      expect(answer, match).toMatchObject({ status: 304, fastPath: true });
      expect(answer.body.length).toBe(0);
    }
    expect(await both(zipPath, { 'if-none-match': '"other"' })).toMatchObject({ status: 200, fastPath: true });
  });

  it('leaves an unsatisfiable range (416), a query on a public file and unknown files to the app', async () => {
    const unsatisfiable = await both(zipPath, { range: `bytes=${zipBytes.length}-` });
    expect(unsatisfiable).toMatchObject({ status: 416, fastPath: false });
    expect(unsatisfiable.headers['content-range']).toBe(`bytes */${zipBytes.length}`);
    expect(JSON.parse(unsatisfiable.body.toString()).errors[0].code).toBe('RANGE_NOT_SATISFIABLE');
    expect(await both(`${zipPath}?x=1`)).toMatchObject({ status: 200, fastPath: false });
    for (const path of [
      zipPath.replace('1.0.0/', '9.9.9/'),
      zipPath.replace('hello_1.0.0', 'hello_1.0.1'),
      zipPath.replace('/acme/', '/ACME/'),
      `${zipPath}%00`,
      zipPath.replace('linux_amd64', 'linux_arm64'),
      '/v1/files/acme/hello/1.0.0',
      `${zipPath}/x`,
    ]) {
      expect(await both(path), path).toMatchObject({ status: 404, fastPath: false });
    }
    expect(await both(zipPath, {}, 'DELETE')).toMatchObject({ status: 404, fastPath: false });
  });

  it('serves a private file for a valid signed URL only; every refusal is the app’s', async () => {
    for (const path of [signedZip, signedSums]) {
      const answer = await both(path);
      expect(answer, path).toMatchObject({ status: 200, fastPath: true });
      expect(answer.headers['cache-control']).toBe('private, max-age=3600');
    }
    const url = new URL(signedZip, 'http://registry');
    const signature = url.searchParams.get('signature')!;
    const expires = url.searchParams.get('expires')!;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const otherFile = url.pathname.replace('linux_amd64', 'darwin_arm64');
    for (const path of [
      url.pathname,
      `${url.pathname}?expires=${expires}&signature=${flipped}`,
      `${url.pathname}?expires=${Number(expires) + 1}&signature=${signature}`,
      `${url.pathname}?expires=1&signature=${signature}`,
      `${otherFile}?expires=${expires}&signature=${signature}`,
      `${url.pathname}?expires=${expires}&signature=${signature}=`,
      `${url.pathname}?expires=${expires}&signature=${Buffer.from(signature, 'base64url').toString('base64')}`,
    ]) {
      expect(await both(path), path).toMatchObject({ status: 401, fastPath: false });
    }
    // Another spelling of a valid grant is the app's to judge (it accepts it); the answer is the same.
    const reordered = `${url.pathname}?signature=${signature}&expires=${expires}`;
    expect(await both(reordered)).toMatchObject({ status: 200, fastPath: false });
    // A token is the app's business too, and never turns an invalid signature into a fast answer.
    const withToken = await both(`${url.pathname}?expires=1&signature=${signature}`, {
      authorization: `Bearer ${registry.otherToken}`,
    });
    expect(withToken).toMatchObject({ status: 403, fastPath: false });
  });
});

describe('fast path: JSON', () => {
  const HOT = [
    '/v1/providers/acme/hello/versions',
    '/v1/providers/acme/hello/1.0.0/download/linux/amd64',
    '/mirror/localhost/acme/hello/index.json',
    '/mirror/localhost/acme/hello/1.0.0.json',
  ];

  it('answers the hot reads with the app’s bytes, Content-Length and ETag, and 304 for a matching ETag', async () => {
    for (const path of HOT) {
      await send(fast.url, path); // loads the view through the app
      const answer = await both(path);
      expect(answer, path).toMatchObject({ status: 200, fastPath: true });
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['content-length']).toBe(String(answer.body.length));
      expect(answer.headers.etag).toMatch(/^"[\w-]{32}"$/);
      expect(registry.app.fastRead(path)).toBe(answer.body.toString());
      const cached = await both(path, { 'if-none-match': answer.headers.etag! });
      expect(cached, path).toMatchObject({ status: 304, fastPath: true });
      expect(cached.headers).toEqual({ etag: answer.headers.etag });
      expect(await both(path, { 'if-none-match': '"stale"' })).toMatchObject({ status: 200, fastPath: true });
    }
  });

  it('gives different documents different ETags', async () => {
    const etags = await Promise.all(HOT.map(async (path) => (await send(fast.url, path)).headers.etag));
    expect(new Set(etags).size).toBe(HOT.length);
  });

  it('leaves HEAD, queries and private documents to the app', async () => {
    expect(await both(HOT[0]!, {}, 'HEAD')).toMatchObject({ status: 200, fastPath: false });
    expect(await both(`${HOT[0]}?x=1`)).toMatchObject({ status: 200, fastPath: false });
    const token = { authorization: `Bearer ${registry.readToken}` };
    for (const path of ['/v1/providers/corp/secret/versions', '/mirror/localhost/corp/secret/1.0.0.json']) {
      await send(fast.url, path, token);
      expect(await both(path), path).toMatchObject({ status: 401, fastPath: false });
      const answer = await send(fast.url, path, token);
      expect(answer.status).toBe(200);
    }
  });
});

describe('fast path: JSON after a change', () => {
  it('never answers a remembered URL with a document a change replaced', async () => {
    const path = '/v1/providers/acme/hello/versions';
    await send(fast.url, path);
    const before = await both(path);
    expect(before).toMatchObject({ status: 200, fastPath: true });
    expect(JSON.parse(before.body.toString()).warnings).toBeUndefined();
    const deprecated = await registry.call('POST', '/api/v1/providers/acme/hello/versions/1.0.0/deprecate', {
      json: { message: 'use 2.0' },
    });
    expect(deprecated.status).toBe(200);
    // The change dropped the view: the app answers (and loads the new one), then the fast path answers that.
    const calls = appCalls;
    const after = await send(fast.url, path);
    expect(appCalls).toBe(calls + 1);
    expect(JSON.parse(after.body.toString()).warnings).toEqual(['Version 1.0.0 of acme/hello is deprecated: use 2.0']);
    expect(await both(path)).toEqual({ ...after, fastPath: true });
  });
});
