// A registry on object storage answers file URLs with a 302 to a presigned object URL (issue 11): the client's
// download follows that one redirect, to another host, without sending the registry token there.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { createRegistryClient } from './index';

const BYTES = 'zip bytes from the bucket\n';
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((done) => server.close(done));
});

async function listen(
  handler: (url: string, headers: IncomingHttpHeaders) => [number, Record<string, string>, string],
) {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    const [status, headers, body] = handler(request.url ?? '', request.headers);
    response.writeHead(status, headers).end(body);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('download', () => {
  it('follows a presigned redirect to the bucket without the registry token', async () => {
    const bucket = await listen(() => [200, { 'content-type': 'application/zip' }, BYTES]);
    const registry = await listen((url) => [
      302,
      { location: `${bucket.url}/blobs/abc?X-Amz-Signature=s${url.length}` },
      '',
    ]);
    const client = await createRegistryClient({ url: registry.url, token: 'signet_secret-token', retries: 0 });
    try {
      const body = await client.download('/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip');
      expect(await body.text()).toBe(BYTES);
    } finally {
      await client.close();
    }
    expect(registry.seen[0]?.headers.authorization).toBe('Bearer signet_secret-token');
    expect(bucket.seen).toHaveLength(1);
    expect(bucket.seen[0]?.url).toMatch(/^\/blobs\/abc\?X-Amz-Signature=s\d+$/);
    expect(bucket.seen[0]?.headers.authorization).toBeUndefined();
  });

  it('follows one redirect only: a second one is reported', async () => {
    const loop = await listen(() => [302, { location: '/elsewhere' }, '']);
    const client = await createRegistryClient({ url: loop.url, retries: 0 });
    try {
      await expect(client.download('/v1/files/a.zip')).rejects.toThrow(/found a redirect \(302\)/);
    } finally {
      await client.close();
    }
    expect(loop.seen).toHaveLength(2);
  });
});
