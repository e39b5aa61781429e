// Attack: one signed file URL of a private namespace written many ways. Node's base64 decoder takes padding, the
// `+/` alphabet and trailing junk, so `signature=…=` or `…!` or the standard-alphabet spelling verified as well.
// Exactly one spelling is accepted: base64url without padding, the exact length, compared as text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../node-server';
import { openPublishedRegistry, type PublishedRegistry } from './published-registry';

let registry: PublishedRegistry;
let server: RunningServer;
let signedUrl: URL;
beforeAll(async () => {
  registry = await openPublishedRegistry();
  // The server as `signet serve` runs it: a signed file URL is checked by the fast path (http/fast-path.ts) first.
  server = await startServer({
    fetch: registry.app.fetch,
    fastServe: registry.app.fastServe,
    host: '127.0.0.1',
    port: 0,
  });
  const res = await registry.call('GET', '/v1/providers/corp/secret/1.0.0/download/linux/amd64', {
    token: registry.readToken,
  });
  signedUrl = new URL(((await res.json()) as { download_url: string }).download_url, 'http://registry');
});
afterAll(async () => {
  await server?.close();
  await registry?.close();
});

function withSignature(signature: string): string {
  const url = new URL(signedUrl);
  url.searchParams.set('signature', signature);
  return `${url.pathname}${url.search}`;
}

describe('security: a signed URL verifies in one spelling only', () => {
  it('downloads with the signature as issued', async () => {
    expect((await registry.call('GET', `${signedUrl.pathname}${signedUrl.search}`, { token: null })).status).toBe(200);
    for (const method of ['GET', 'HEAD']) {
      const wire = await fetch(`${server.url}${signedUrl.pathname}${signedUrl.search}`, { method });
      await wire.arrayBuffer();
      expect(wire.status, method).toBe(200);
    }
  });

  it('refuses the same signature padded, suffixed or in the + / alphabet', async () => {
    const signature = signedUrl.searchParams.get('signature')!;
    const bytes = Buffer.from(signature, 'base64url');
    const variants = [`${signature}=`, `${signature}!`, `${signature}==`, `${signature}.`, bytes.toString('base64')];
    // The standard alphabet differs only where the bytes give `-` or `_`; with padding it differs always.
    for (const variant of variants) {
      expect(Buffer.from(variant, 'base64')).toEqual(bytes); // the same bytes, so a decode-then-compare would pass
      const res = await registry.call('GET', withSignature(variant), { token: null });
      expect(res.status, variant).toBe(401);
      for (const method of ['GET', 'HEAD']) {
        const wire = await fetch(`${server.url}${withSignature(variant)}`, { method });
        await wire.arrayBuffer();
        expect(wire.status, `${method} ${variant} over the socket`).toBe(401);
      }
    }
  });
});
