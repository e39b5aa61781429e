// A registry that refuses an upload from its size answers before the body is sent (413). The client must report
// that answer (the registry's problem for the file), not the EPIPE/ECONNRESET of the body it was still writing; and
// when a registry hangs up without a readable answer, say that it closed the connection during the upload and which
// limits make a registry do that, instead of "Cannot reach the registry". Real servers on 127.0.0.1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryClient, RegistryError } from './index';

const NAME = 'terraform-provider-hello_1.0.0_manifest.json';
const SIZE = 32 * 1024 * 1024; // far more than the sockets buffer: the client is still sending when the answer comes
const REF = { namespace: 'acme', type: 'hello', version: '1.0.0' };
const PROBLEM = {
  code: 'MANIFEST_INVALID',
  severity: 'error',
  file: NAME,
  message: `${JSON.stringify(NAME)} is ${SIZE} bytes; the limit is 65536 bytes (a manifest is under 200 bytes), so it was not read. Regenerate it with signet package / signet sign.`,
};

let dir: string;
let path: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-early-answer-'));
  path = join(dir, NAME);
  await writeFile(path, Buffer.alloc(SIZE, 0x61));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/**
 * A server that reads the first 64 KiB of each upload and then hands the request to `onEnough`; it counts the
 * bytes it read in all.
 */
async function serve(onEnough: (request: IncomingMessage, response: ServerResponse) => void) {
  const state = { bytesRead: 0, requests: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    state.requests++;
    let seen = 0;
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      state.bytesRead += chunk.length;
      if (seen < 64 * 1024) return;
      request.off('data', onData);
      request.pause(); // read no more of it
      onEnough(request, response);
    };
    request.on('data', onData);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = await createRegistryClient({ url, token: 'signet_test', retryDelayMs: 1 });
  cleanups.push(() => client.close());
  return { client, state };
}

function answer413(response: ServerResponse, headers: Record<string, string> = {}) {
  response.writeHead(413, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ errors: [PROBLEM] }));
}

describe('an upload refused from its size while it is being sent', () => {
  it("reports the registry's 413 and its problem for the file, and stops sending", async () => {
    const { client, state } = await serve((_request, response) => answer413(response));
    const error = await client.uploadFile(REF, NAME, path, 'a'.repeat(64)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status: 413, code: 'MANIFEST_INVALID', errors: [PROBLEM] });
    expect(state.requests).toBe(1); // a 413 is not retried
    expect(state.bytesRead).toBeLessThan(SIZE / 4);
  });

  it('reports it too when the registry then closes the connection', async () => {
    const { client, state } = await serve((request, response) => {
      answer413(response, { connection: 'close' });
      response.once('finish', () => request.socket.end());
    });
    const error = await client.uploadFile(REF, NAME, path).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413, code: 'MANIFEST_INVALID', errors: [PROBLEM] });
    expect(state.requests).toBe(1);
  });

  it('says the registry hung up during the upload, and which limits cause that, when no answer can be read', async () => {
    const { client, state } = await serve((request) => request.socket.resetAndDestroy());
    const error = await client.uploadFile(REF, NAME, path, 'a'.repeat(64)).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
    const { message } = error as Error;
    expect(message).toContain(`closed the connection while ${NAME} (${SIZE} bytes) was being sent`);
    expect(message).toContain(`PUT /api/v1/providers/acme/hello/versions/1.0.0/files/${NAME}`);
    expect(message).toMatch(/--max-file-size.*SHA256SUMS over 1048576 bytes.*manifest over 65536 bytes.*--draft-quota/);
    expect(message).not.toMatch(/Check the URL/);
    expect(state.requests).toBe(3); // an upload with a checksum is safe to repeat after a broken connection
  });
});
