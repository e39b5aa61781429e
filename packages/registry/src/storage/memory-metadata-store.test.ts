import { expect, it } from 'vitest';

import { runMetadataStoreContract } from './contract/metadata-store-contract';
import { createMemoryMetadataBackend, openMemoryMetadataStore } from './memory-metadata-store';

// Two stores on one backend object stand for two replicas on one database.
runMetadataStoreContract('memory', {
  capabilities: { twoHandles: true, reopen: true, clock: true },
  open: async ({ now }) => {
    const backend = createMemoryMetadataBackend();
    return {
      store: await openMemoryMetadataStore({ backend, now }),
      openHandle: () => openMemoryMetadataStore({ backend }),
    };
  },
});

it('hands out copies: changing a returned record changes nothing stored', async () => {
  const store = await openMemoryMetadataStore();
  const token = await store.createToken({
    id: 't',
    name: 'ci',
    secretHash: 'a'.repeat(64),
    role: 'read',
    namespaces: ['a'],
  });
  token.namespaces.push('b');
  (await store.listTokens())[0]!.namespaces.push('c');
  expect((await store.findTokenBySecretHash('a'.repeat(64)))?.namespaces).toEqual(['a']);
  await store.close();
  await expect(store.listTokens()).rejects.toThrow(/closed/);
});
