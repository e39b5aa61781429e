// A registry whose disk is full answers an upload 507 Insufficient Storage (STORAGE_FULL). The client shows the
// status by name with the registry's message (what to do is the operator's: free space or grow the volume), and does
// not send the upload again: unlike a 503, a retry a second later meets the same full disk.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryClient, RegistryError } from './index';

const FULL = {
  errors: [
    {
      code: 'STORAGE_FULL',
      message:
        'Expected the registry to store the uploaded file, found its disk full (no space left on the volume of its data folder); nothing was stored.',
    },
  ],
};
const REF = { namespace: 'acme', type: 'hello', version: '1.0.0' };
const SHA256 = 'a'.repeat(64);

let dir: string;
let filePath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-client-507-'));
  filePath = join(dir, 'terraform-provider-hello_1.0.0_linux_amd64.zip');
  await writeFile(filePath, Buffer.alloc(256 * 1024, 7));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A stand-in registry answering every request with `status` and `body` (none when undefined); counts requests. */
async function withRegistry(status: number, body: unknown, run: (url: string) => Promise<void>): Promise<number> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return requests;
}

async function uploadError(url: string): Promise<unknown> {
  const client = await createRegistryClient({ url, token: 'signet_test', retryDelayMs: 1 });
  try {
    return await client.uploadFile(REF, 'terraform-provider-hello_1.0.0_linux_amd64.zip', filePath, SHA256).then(
      () => undefined,
      (error: unknown) => error,
    );
  } finally {
    await client.close();
  }
}

describe('an upload answered 507 Insufficient Storage', () => {
  it('names the status and gives the registry message, and is not sent again', async () => {
    let error: unknown;
    const requests = await withRegistry(507, FULL, async (url) => {
      error = await uploadError(url);
    });
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status: 507, code: 'STORAGE_FULL' });
    expect((error as Error).message).toBe(
      `PUT /api/v1/providers/acme/hello/versions/1.0.0/files/terraform-provider-hello_1.0.0_linux_amd64.zip: 507 Insufficient Storage: ${FULL.errors[0]!.message}`,
    );
    // A checked upload answered 503 would be sent three times (misbehaving-registry.test.ts); a 507 once.
    expect(requests).toBe(1);
  });

  it('says Insufficient Storage also when a proxy answers 507 with no body', async () => {
    let error: unknown;
    await withRegistry(507, undefined, async (url) => {
      error = await uploadError(url);
    });
    expect(error).toMatchObject({ status: 507, code: 'HTTP_507' });
    expect((error as Error).message).toMatch(/: 507 Insufficient Storage: no error body$/);
  });
});
