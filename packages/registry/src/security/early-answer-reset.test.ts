// Attack (on the client, by the server): an answer that comes before the body it answers — a 413 from the
// Content-Length, a 400 for a name that cannot be — followed by a closed socket while the client is still sending.
// The client's next write then fails, and over TLS the reset takes the unread answer with it: the client sees EPIPE
// instead of the 413 that says what to fix. The server must go on reading (and dropping) the rest of the body for a
// while, as nginx's lingering close does, so the client's writes end cleanly and it reads the answer.
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../node-server';
import { TEST_ADMIN_TOKEN } from '../testing';
import { FILES, openDraftRegistry, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
let server: RunningServer;
beforeAll(async () => {
  registry = await openDraftRegistry();
  await registry.createDraft('1.0.0');
  server = await startServer({ fetch: registry.app.fetch, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
  await registry?.close();
});

const MiB = 2 ** 20;

/**
 * PUTs `size` bytes declared by Content-Length over a raw socket: the headers and the first 64 KiB, then a pause
 * without reading — longer than the 500 ms the fetch adaptor's own clean-up waits before closing — then the rest,
 * and only then reads the answer. A client on a slow link, or a busy one, is in this position.
 */
function slowUpload(path: string, size: number): Promise<{ answer: string; writeError: string | undefined }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let writeError: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error.code ?? error.message));
    socket.on('close', () => resolve({ answer: Buffer.concat(chunks).toString('utf8'), writeError }));
    socket.pause();
    const head =
      `PUT ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`;
    const chunk = Buffer.alloc(64 * 1024);
    socket.write(head);
    socket.write(chunk);
    setTimeout(() => {
      let left = size - chunk.length;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        socket.end();
        socket.resume();
      };
      pump();
    }, 1_500);
  });
}

describe('security: an early answer is not lost to a reset', () => {
  it('keeps reading the body of an upload refused from its Content-Length, so the client ends its request cleanly', async () => {
    const sums = `${FILES}/1.0.0/files/terraform-provider-hello_1.0.0_SHA256SUMS`;
    const { answer, writeError } = await slowUpload(sums, 8 * MiB);
    // Before: the socket was closed 500 ms after the answer; the rest of the body met EPIPE/ECONNRESET and the
    // reset took the unread answer with it.
    expect(writeError).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"SHASUMS_MALFORMED"');
  });

  it('does the same for a path refused before the body is looked at', async () => {
    const junk = `${FILES}/1.0.0/files/terraform-provider-hello_1.0.0_plan9_amd64.zip`;
    const { answer, writeError } = await slowUpload(junk, 4 * MiB);
    expect(writeError).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });
});
