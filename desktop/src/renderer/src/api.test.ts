/// <reference types="node" />
// The HTTP twin against a real server on 127.0.0.1: one method per channel, each a same-origin JSON POST to its
// channel's path, the server's envelope handed back as it came, and a server that is gone said as an envelope.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/api';
import { createHttpApi } from './api';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];

async function readBody(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((text) => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(text),
      });
      response.setHeader('content-type', 'application/json');
      if (request.url === '/api/keysDelete') {
        response.end(JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: 'No key 0123456789ABCDEF.' } }));
      } else if (request.url === '/api/localStatus') {
        response.statusCode = 502;
        response.end('<html>bad gateway</html>');
      } else {
        response.end(JSON.stringify({ ok: true, value: { echoed: request.url } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createHttpApi', () => {
  it('has exactly one method per channel of the contract', () => {
    expect(Object.keys(createHttpApi(baseUrl)).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('POSTs the input as JSON to /api/<channel> and answers the envelope as it came', async () => {
    const api = createHttpApi(baseUrl);
    const answer = await api.releasesGet({ releaseId: 'acme/hello/1.0.0' });
    expect(answer).toEqual({ ok: true, value: { echoed: '/api/releasesGet' } });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/api/releasesGet',
      contentType: 'application/json',
      body: { releaseId: 'acme/hello/1.0.0' },
    });
    const refused = await api.keysDelete({ keyId: '0123456789ABCDEF', confirmKeyId: '0123456789ABCDEF' });
    expect(refused).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No key 0123456789ABCDEF.' } });
  });

  it('turns an answer without an envelope, or no server at all, into an INTERNAL envelope', async () => {
    const notJson = await createHttpApi(baseUrl).localStatus({});
    expect(notJson.ok).toBe(false);
    expect(notJson.ok ? '' : notJson.error.code).toBe('INTERNAL');
    expect(notJson.ok ? '' : notJson.error.message).toContain('502');

    const gone = await createHttpApi('http://127.0.0.1:9').appInfo({});
    expect(gone.ok).toBe(false);
    expect(gone.ok ? '' : gone.error.code).toBe('INTERNAL');
  });
});
