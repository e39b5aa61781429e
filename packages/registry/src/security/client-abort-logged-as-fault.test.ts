// Attack (on the logs): a client that aborts an upload, or lets it time out, was logged as a server failure with a
// stack, so anyone could fill the error log and bury real faults. A client abort or timeout is not a 5xx and not
// an error: it reaches only the access log, as the one line of its request.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AccessLogEntry } from '../access-log';
import { startServer, type RunningServer } from '../node-server';
import { openPublishedRegistry, type PublishedRegistry } from './published-registry';

let registry: PublishedRegistry;
let server: RunningServer;
const errors: unknown[] = [];
const entries: AccessLogEntry[] = [];

beforeAll(async () => {
  registry = await openPublishedRegistry({ onError: (error) => errors.push(error) });
  await registry.call('POST', '/api/v1/providers/acme/hello/versions', {
    json: { version: '2.0.0', protocols: ['6'], key_id: registry.publicRelease.keyId },
  });
  server = await startServer({
    fetch: registry.app.fetch,
    fastRead: registry.app.fastRead,
    host: '127.0.0.1',
    port: 0,
    requestTimeoutMs: 1_000,
    accessLog: (entry) => entries.push(entry),
  });
});
afterAll(async () => {
  await server?.close();
  await registry?.close();
});

const UPLOAD = '/api/v1/providers/acme/hello/versions/2.0.0/files/terraform-provider-hello_2.0.0_linux_amd64.zip';

/** Opens a raw connection and sends the head of an upload announcing 64 MiB, then `sent` bytes of body. */
async function startUpload(sent: number): Promise<Socket> {
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.on('error', () => undefined);
  socket.write(
    `PUT ${UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${registry.adminToken}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${64 * 2 ** 20}\r\n\r\n`,
  );
  socket.write(Buffer.alloc(sent, 7));
  return socket;
}

/** Waits until the server has logged one more upload than `before`, or reported an error; the new entry. */
async function nextUpload(before: number): Promise<AccessLogEntry | undefined> {
  for (;;) {
    const uploads = entries.filter((e) => e.path === UPLOAD);
    if (uploads.length > before || errors.length > 0) return uploads[before];
    await sleep(10);
  }
}
const uploadsSoFar = () => entries.filter((e) => e.path === UPLOAD).length;

describe('security: a client abort or timeout is no server fault', () => {
  it('logs an upload the client aborts as one access-log line, not as an error', async () => {
    const before = uploadsSoFar();
    const socket = await startUpload(2 ** 20);
    await sleep(50); // let the server start reading the body
    socket.destroy();
    const entry = await nextUpload(before);
    expect(errors).toEqual([]);
    expect(entry).toMatchObject({ method: 'PUT', path: UPLOAD, aborted: true });
    expect(entry?.status).toBeLessThan(500);
  });

  it('logs an upload that times out the same way', async () => {
    const before = uploadsSoFar();
    const socket = await startUpload(1024); // and then nothing, until the server's request timeout
    const entry = await nextUpload(before);
    socket.destroy();
    expect(errors).toEqual([]);
    expect(entry).toMatchObject({ method: 'PUT', path: UPLOAD, aborted: true, status: 408 });
  });

  it('still answers and logs a complete request', async () => {
    const res = await fetch(`${server.url}/v1/providers/acme/hello/versions?x=1`);
    expect(res.status).toBe(200);
    await res.text();
    expect(entries.at(-1)).toMatchObject({ method: 'GET', path: '/v1/providers/acme/hello/versions', status: 200 });
  });
});
