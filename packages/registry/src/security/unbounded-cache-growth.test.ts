// Attack: grow the server's memory with requests that each leave a cache entry behind. The read model kept a view
// per name for ever, and the authenticator kept every unknown token until 10,000 of them. Every cache is an LRU
// bounded in entries (the views in bytes too), and what the store does not know is never kept. The server-level
// proof (20,000 bad names, RSS flat) is test/e2e/security-memory.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAuthenticator } from '../http/auth';
import { createReadModel } from '../http/read-model';
import { openPublishedRegistry, watchStore, type PublishedRegistry } from './published-registry';

let registry: PublishedRegistry;
beforeAll(async () => {
  registry = await openPublishedRegistry();
  for (const type of ['one', 'two', 'three']) {
    await registry.call('POST', '/api/v1/namespaces/acme/providers', { json: { type } });
  }
});
afterAll(async () => {
  await registry?.close();
});

describe('security: caches are bounded and keep only what exists', () => {
  it('keeps at most maxViews provider views, least recently used out first', async () => {
    const { store, calls } = watchStore(registry.metadata);
    const model = createReadModel(store, 60_000, { maxViews: 2 });
    for (const type of ['one', 'two', 'one', 'three', 'one']) expect(await model.provider('acme', type)).toBeDefined();
    expect(calls('getProvider', 'one')).toBe(1); // kept: used most recently each time
    expect(calls('getProvider', 'two')).toBe(1);
    await model.provider('acme', 'two'); // evicted by `three`
    expect(calls('getProvider', 'two')).toBe(2);
    expect(model.peek('acme', 'three')).toBeUndefined(); // evicted by `two`
  });

  it('does not keep a view larger than maxViewBytes', async () => {
    const { store, calls } = watchStore(registry.metadata);
    const model = createReadModel(store, 60_000, { maxViewBytes: 64 });
    await model.provider('acme', 'hello');
    await model.provider('acme', 'hello');
    expect(calls('getProvider', 'hello')).toBe(2);
    expect(model.peek('acme', 'hello')).toBeUndefined();
  });

  it('keeps nothing for an unknown provider or namespace', async () => {
    const { store, calls } = watchStore(registry.metadata);
    const model = createReadModel(store, 60_000);
    for (let i = 0; i < 2; i++) {
      expect(await model.provider('acme', 'nothing')).toBeUndefined();
      expect(await model.namespace('nobody')).toBeUndefined();
    }
    expect(calls('getProvider', 'nothing')).toBe(2);
    expect(calls('getNamespace', 'nobody')).toBe(2);
  });

  it('keeps at most maxNamespaces namespaces', async () => {
    const { store, calls } = watchStore(registry.metadata);
    const model = createReadModel(store, 60_000, { maxNamespaces: 1 });
    for (const ns of ['acme', 'corp', 'acme']) await model.namespace(ns);
    expect(calls('getNamespace', 'acme')).toBe(2);
  });

  it('never keeps an unknown token, and keeps at most maxCachedTokens known ones', async () => {
    const { store, calls } = watchStore(registry.metadata);
    const auth = createAuthenticator(store, undefined, { maxCachedTokens: 1 });
    for (let i = 0; i < 3; i++) {
      await expect(auth.authenticate('Bearer signet_made-up')).rejects.toMatchObject({ status: 403 });
    }
    expect(calls('findTokenBySecretHash')).toBe(3);
    for (const token of [registry.readToken, registry.readToken, registry.otherToken, registry.readToken]) {
      await auth.authenticate(`Bearer ${token}`);
    }
    // read (store), read (cache), other (store, evicts read), read (store)
    expect(calls('findTokenBySecretHash')).toBe(6);
  });
});
