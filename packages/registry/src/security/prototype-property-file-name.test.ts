// Attack: a request value used as an object key finds a property every object has. `GET
// /v1/files/acme/hello/1.0.0/constructor` answered 200 with `Content-Length: undefined`, `ETag: "undefined"` and a
// one-year immutable Cache-Control that a shared cache would keep. Request values index only Maps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openPublishedRegistry, type PublishedRegistry } from './published-registry';

const PROPERTIES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

let registry: PublishedRegistry;
beforeAll(async () => {
  registry = await openPublishedRegistry();
});
afterAll(async () => {
  await registry?.close();
});

describe('security: object property names are not names of files, platforms or versions', () => {
  it.each(PROPERTIES)('%s is no file, platform, version or mirror document', async (property) => {
    for (const path of [
      `/v1/files/acme/hello/1.0.0/${property}`,
      `/v1/files/corp/secret/1.0.0/${property}`,
      `/v1/providers/acme/hello/${property}/download/linux/amd64`,
      `/v1/providers/acme/hello/1.0.0/download/${property}/amd64`,
      `/v1/providers/acme/hello/1.0.0/download/linux/${property}`,
      `/mirror/localhost/acme/hello/${property}.json`,
      `/mirror/localhost/acme/hello/${property}`,
      `/v1/providers/acme/${property}/versions`,
      `/v1/providers/${property}/hello/versions`,
    ]) {
      for (const method of ['GET', 'HEAD']) {
        if (method === 'HEAD' && !path.startsWith('/v1/files/')) continue;
        const token = path.includes('/corp/') ? registry.readToken : null;
        const res = await registry.call(method, path, { token });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get('etag'), path).toBeNull();
        expect(res.headers.get('cache-control'), path).toBeNull();
      }
    }
  });

  it('still serves the real files with their size and digest', async () => {
    const zip = registry.publicRelease.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
    const res = await registry.call('HEAD', `/v1/files/acme/hello/1.0.0/${zip.fileName}`, { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toMatch(/^\d+$/);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
  });
});
