// Attack: a name that is not terraform's (`acme%00anything`, `ACME`, `v1.0.0`, `linux%00/amd64`) reaches the store
// and is read as another one (SQLite stops at a NUL), and every such alias gets a cache entry of its own. Every name
// of every read path is checked before any lookup; the app and the fast path (node-server.ts) give the same answer
// for one table of cases (status, bytes and headers), and no invalid name ever reaches the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryApp, type RegistryApp } from '../app';
import { startServer, type RunningServer } from '../node-server';
import { openPublishedRegistry, watchStore, type PublishedRegistry } from './published-registry';

const ZIP = 'terraform-provider-hello_1.0.0_linux_amd64.zip';
const SUMS = 'terraform-provider-hello_1.0.0_SHA256SUMS';

// [path, status the app answers without a token]. Paths are as sent on the wire.
const CASES: [path: string, status: number][] = [
  ['/v1/providers/acme/hello/versions', 200],
  ['/v1/providers/acme/hello/1.0.0/download/linux/amd64', 200],
  ['/mirror/localhost/acme/hello/index.json', 200],
  ['/mirror/localhost/acme/hello/1.0.0.json', 200],
  [`/v1/files/acme/hello/1.0.0/${ZIP}`, 200],
  // NUL and other bytes that a store might cut or ignore
  ['/v1/providers/acme%00anything/hello/versions', 404],
  ['/v1/providers/acme/hello%00x/versions', 404],
  ['/v1/providers/acme%00/hello/1.0.0/download/linux/amd64', 404],
  ['/v1/providers/acme/hello/1.0.0%00/download/linux/amd64', 404],
  ['/v1/providers/acme/hello/1.0.0/download/linux%00/amd64', 404],
  ['/v1/providers/acme/hello/1.0.0/download/linux/amd64%00', 404],
  ['/mirror/localhost/acme%00x/hello/index.json', 404],
  ['/mirror/localhost/acme/hello/1.0.0%00.json', 404],
  [`/v1/files/acme%00x/hello/1.0.0/${ZIP}`, 404],
  [`/v1/files/acme/hello/1.0.0/${ZIP}%00`, 404],
  ['/v1/providers/acme%0A/hello/versions', 404],
  ['/v1/providers/%20acme/hello/versions', 404],
  // Another case: the registry stores lower case, so these name nothing
  ['/v1/providers/ACME/hello/versions', 404],
  ['/v1/providers/acme/Hello/versions', 404],
  ['/v1/providers/acme/hello/1.0.0/download/Linux/amd64', 404],
  ['/mirror/localhost/Acme/hello/index.json', 404],
  // Names terraform refuses
  ['/v1/providers/ac--me/hello/versions', 404],
  ['/v1/providers/acme/terraform-provider-hello/versions', 404],
  ['/v1/providers/-acme/hello/versions', 404],
  ['/v1/providers/acme/hello_x/versions', 404],
  // Versions that are not the stored string
  ['/v1/providers/acme/hello/v1.0.0/download/linux/amd64', 404],
  ['/v1/providers/acme/hello/1.0.0+x/download/linux/amd64', 404],
  ['/v1/providers/acme/hello/%201.0.0/download/linux/amd64', 404],
  ['/mirror/localhost/acme/hello/v1.0.0.json', 404],
  [`/v1/files/acme/hello/v1.0.0/${ZIP}`, 404],
  // Platforms that are not os_arch
  ['/v1/providers/acme/hello/1.0.0/download/linux_amd64/x', 404],
  ['/v1/providers/acme/hello/1.0.0/download/plan9/amd64', 404],
  ['/v1/providers/acme/hello/1.0.0/download/_/proto__', 404],
  // File names of another provider or version, or no artifact at all
  ['/v1/files/acme/hello/1.0.0/terraform-provider-other_1.0.0_SHA256SUMS', 404],
  ['/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.1_SHA256SUMS', 404],
  ['/v1/files/acme/hello/1.0.0/README', 404],
  [`/v1/files/acme/hello/1.0.0/${SUMS}`, 200],
];

let registry: PublishedRegistry;
let server: RunningServer;
beforeAll(async () => {
  registry = await openPublishedRegistry();
  server = await startServer({
    fetch: registry.app.fetch,
    fastServe: registry.app.fastServe,
    host: '127.0.0.1',
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
  await registry?.close();
});

describe('security: a name that is not terraform’s names nothing', () => {
  it.each(CASES)('%s answers %i from the app, the fast path and a real socket alike', async (path, status) => {
    const app = await registry.app.request(path);
    expect(app.status).toBe(status);
    const body = await app.text();
    // The app's answer has loaded whatever view the fast path may use; it answers only what the app answers 200.
    const fast = registry.app.fastRead(path);
    if (status !== 200) expect(fast).toBeUndefined();
    else if (fast !== undefined) expect(fast).toBe(body);
    // Twice: the first may load the view through the app, the second is the fast path's once it is loaded.
    for (let attempt = 0; attempt < 2; attempt++) {
      const wire = await fetch(`${server.url}${path}`);
      expect(wire.status).toBe(status);
      expect(await wire.text()).toBe(body);
      for (const header of ['content-type', 'etag', 'cache-control', 'content-disposition']) {
        expect(wire.headers.get(header), header).toBe(app.headers.get(header));
      }
      // In process, hono leaves out the length of an error document; on the wire Node adds it.
      if (status === 200) expect(wire.headers.get('content-length')).toBe(app.headers.get('content-length'));
    }
  });

  it('the fast path answers the hot public reads itself once their view is loaded', async () => {
    for (const [path] of CASES.slice(0, 4)) {
      await registry.app.request(path);
      expect(registry.app.fastRead(path), path).toBeDefined();
    }
  });

  it('never hands an invalid name to the store', async () => {
    const { store, args } = watchStore(registry.metadata);
    const app: RegistryApp = createRegistryApp({ metadata: store, blobs: registry.blobs });
    for (const [path] of CASES) await app.request(path);
    expect(args().length).toBeGreaterThan(0);
    const allowed = new Set(['acme', 'hello']);
    expect(args().filter((name) => !allowed.has(name))).toEqual([]);
  });
});
