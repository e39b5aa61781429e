import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { StoreConflictError, StoreNotFoundError, StoreQuotaError } from '../errors';
import type { MetadataStore } from '../metadata-store';
import type { NewKey, NewToken, NewVersionFile } from '../records';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const KEY: NewKey = {
  namespace: 'acme',
  keyId: '0123456789ABCDEF',
  fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567',
  asciiArmor: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ...\n-----END PGP PUBLIC KEY BLOCK-----\n',
};
const TOKEN: NewToken = { id: 't1', name: 'ci', secretHash: SHA_A, role: 'publish', namespaces: ['acme'] };
const ZIP: NewVersionFile = { fileName: 'terraform-provider-hello_1.0.0_linux_amd64.zip', sha256: SHA_A, size: 10 };
const ZIP_VERSION = {
  namespace: 'acme',
  type: 'hello',
  version: '1.0.0',
  protocols: ['5.0'],
  keyId: '0123456789ABCDEF',
};
const PREPARED = { protocols: ['5.0'], downloads: { linux_amd64: { shasum: SHA_A, nested: [1, 'two', null] } } };

function isIsoDate(value: string | undefined): boolean {
  return value !== undefined && new Date(value).toISOString() === value;
}

/**
 * The behaviour every `MetadataStore` backend must have. `create` returns a new, empty store for each test; the
 * suite closes it.
 */
export function describeMetadataStoreContract(name: string, create: () => Promise<MetadataStore>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    /** acme (public) with provider acme/hello and a draft 1.0.0. */
    async function seedDraft() {
      await store.createNamespace({ name: 'acme', visibility: 'public' });
      await store.createProvider({ namespace: 'acme', type: 'hello' });
      return store.createVersion({
        namespace: 'acme',
        type: 'hello',
        version: '1.0.0',
        protocols: ['5.0'],
        keyId: KEY.keyId,
      });
    }

    describe('namespaces', () => {
      it('creates, gets and lists by name', async () => {
        const created = await store.createNamespace({ name: 'zeta', visibility: 'private' });
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        expect(created).toEqual({ name: 'zeta', visibility: 'private', createdAt: created.createdAt });
        expect(isIsoDate(created.createdAt)).toBe(true);
        expect(await store.getNamespace('zeta')).toEqual(created);
        expect(await store.getNamespace('nope')).toBeUndefined();
        expect((await store.listNamespaces()).map((n) => n.name)).toEqual(['acme', 'zeta']);
      });

      it('refuses an existing name and keeps the first', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        await expect(store.createNamespace({ name: 'acme', visibility: 'private' })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect((await store.getNamespace('acme'))?.visibility).toBe('public');
      });
    });

    describe('tokens', () => {
      it('creates, finds by secret hash and lists in creation order', async () => {
        const created = await store.createToken(TOKEN);
        await store.createToken({ id: 't0', name: 'admin', secretHash: SHA_B, role: 'admin', namespaces: [] });
        expect(created).toEqual({ ...TOKEN, createdAt: created.createdAt });
        expect(isIsoDate(created.createdAt)).toBe(true);
        expect(await store.findTokenBySecretHash(SHA_A)).toEqual(created);
        expect(await store.findTokenBySecretHash('c'.repeat(64))).toBeUndefined();
        const listed = await store.listTokens();
        expect(listed.map((t) => t.id)).toEqual(['t1', 't0']);
        expect(listed[1]).toMatchObject({ role: 'admin', namespaces: [] });
        expect(listed[0]).not.toHaveProperty('revokedAt');
      });

      it('refuses a taken ID or a taken secret hash', async () => {
        await store.createToken(TOKEN);
        await expect(store.createToken({ ...TOKEN, secretHash: SHA_B })).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.createToken({ ...TOKEN, id: 't2' })).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.listTokens()).toHaveLength(1);
      });

      it('revokes once, keeps the first date, and refuses an unknown ID', async () => {
        await store.createToken(TOKEN);
        expect(await store.revokeToken('t1')).toBe(true);
        const revokedAt = (await store.findTokenBySecretHash(SHA_A))?.revokedAt;
        expect(isIsoDate(revokedAt)).toBe(true);
        expect(await store.revokeToken('t1')).toBe(false);
        expect((await store.findTokenBySecretHash(SHA_A))?.revokedAt).toBe(revokedAt);
        await expect(store.revokeToken('nope')).rejects.toBeInstanceOf(StoreNotFoundError);
      });
    });

    describe('keys', () => {
      it('adds, gets, lists per namespace, with optional source fields', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        await store.createNamespace({ name: 'other', visibility: 'public' });
        const added = await store.addKey(KEY);
        const sourced = {
          ...KEY,
          keyId: 'FEDCBA9876543210',
          source: 'ACME Inc.',
          sourceUrl: 'https://acme.example/key',
        };
        await store.addKey(sourced);
        await store.addKey({ ...KEY, namespace: 'other' });
        expect(added).toEqual({ ...KEY, createdAt: added.createdAt });
        expect(await store.getKey('acme', KEY.keyId)).toEqual(added);
        expect(await store.getKey('acme', KEY.keyId)).not.toHaveProperty('source');
        expect(await store.getKey('acme', sourced.keyId)).toMatchObject(sourced);
        expect(await store.getKey('acme', 'FFFFFFFFFFFFFFFF')).toBeUndefined();
        expect((await store.listKeys('acme')).map((k) => k.keyId)).toEqual([KEY.keyId, sourced.keyId]);
        expect(await store.listKeys('other')).toHaveLength(1);
        expect(await store.listKeys('nope')).toEqual([]);
      });

      it('refuses a key ID already in the namespace, or an unknown namespace', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        await store.addKey(KEY);
        await expect(store.addKey({ ...KEY, fingerprint: 'F'.repeat(40) })).rejects.toBeInstanceOf(StoreConflictError);
        expect((await store.getKey('acme', KEY.keyId))?.fingerprint).toBe(KEY.fingerprint);
        await expect(store.addKey({ ...KEY, namespace: 'nope' })).rejects.toBeInstanceOf(StoreNotFoundError);
      });

      it('deletes, once', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        await store.addKey(KEY);
        expect(await store.deleteKey('acme', KEY.keyId)).toBe(true);
        expect(await store.getKey('acme', KEY.keyId)).toBeUndefined();
        expect(await store.deleteKey('acme', KEY.keyId)).toBe(false);
      });
    });

    describe('providers', () => {
      it('creates, gets and lists per namespace by type', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        const created = await store.createProvider({ namespace: 'acme', type: 'zoo' });
        await store.createProvider({ namespace: 'acme', type: 'hello' });
        expect(created).toEqual({ namespace: 'acme', type: 'zoo', createdAt: created.createdAt });
        expect(await store.getProvider('acme', 'zoo')).toEqual(created);
        expect(await store.getProvider('acme', 'nope')).toBeUndefined();
        expect((await store.listProviders('acme')).map((p) => p.type)).toEqual(['hello', 'zoo']);
        expect(await store.listProviders('nope')).toEqual([]);
      });

      it('refuses an existing provider or an unknown namespace', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        await store.createProvider({ namespace: 'acme', type: 'hello' });
        await expect(store.createProvider({ namespace: 'acme', type: 'hello' })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        await expect(store.createProvider({ namespace: 'nope', type: 'hello' })).rejects.toBeInstanceOf(
          StoreNotFoundError,
        );
      });
    });

    describe('versions', () => {
      it('creates a draft, gets it and lists every state in creation order', async () => {
        const draft = await seedDraft();
        expect(draft).toEqual({
          namespace: 'acme',
          type: 'hello',
          version: '1.0.0',
          protocols: ['5.0'],
          keyId: KEY.keyId,
          state: 'draft',
          yanked: false,
          createdAt: draft.createdAt,
        });
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toEqual(draft);
        expect(await store.getVersion('acme', 'hello', '9.9.9')).toBeUndefined();
        await store.createVersion({ ...draft, version: '0.9.0', protocols: ['5.0', '6.0'] });
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        const listed = await store.listVersions('acme', 'hello');
        expect(listed.map((v) => [v.version, v.state])).toEqual([
          ['1.0.0', 'published'],
          ['0.9.0', 'draft'],
        ]);
        expect(listed[1]?.protocols).toEqual(['5.0', '6.0']);
        expect(await store.listVersions('acme', 'nope')).toEqual([]);
      });

      it('refuses an existing version or an unknown provider', async () => {
        const draft = await seedDraft();
        await expect(store.createVersion(draft)).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.createVersion({ ...draft, type: 'nope' })).rejects.toBeInstanceOf(StoreNotFoundError);
      });

      it('deletes a draft with its files, but not a published version', async () => {
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        expect(await store.deleteDraft('acme', 'hello', '1.0.0')).toEqual({
          deleted: true,
          files: [{ ...ZIP, uploadedAt: expect.any(String) as string }],
        });
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toBeUndefined();
        expect(await store.listFiles('acme', 'hello', '1.0.0')).toEqual([]);
        await expect(store.deleteDraft('acme', 'hello', '1.0.0')).rejects.toBeInstanceOf(StoreNotFoundError);

        await store.createVersion({
          namespace: 'acme',
          type: 'hello',
          version: '2.0.0',
          protocols: ['6.0'],
          keyId: KEY.keyId,
        });
        await store.putFile('acme', 'hello', '2.0.0', ZIP);
        await store.publishVersion('acme', 'hello', '2.0.0', PREPARED);
        expect(await store.deleteDraft('acme', 'hello', '2.0.0')).toEqual({ deleted: false });
        expect((await store.getVersion('acme', 'hello', '2.0.0'))?.state).toBe('published');
        expect(await store.listFiles('acme', 'hello', '2.0.0')).toHaveLength(1);
      });
    });

    describe('files', () => {
      it('adds and replaces files of a draft, listed by name', async () => {
        await seedDraft();
        const sums: NewVersionFile = { fileName: 'terraform-provider-hello_1.0.0_SHA256SUMS', sha256: SHA_B, size: 3 };
        const added = await store.putFile('acme', 'hello', '1.0.0', ZIP);
        await store.putFile('acme', 'hello', '1.0.0', sums);
        expect(added).toEqual({ file: { ...ZIP, uploadedAt: added.file.uploadedAt }, replaced: undefined });
        expect(isIsoDate(added.file.uploadedAt)).toBe(true);
        const replacing = await store.putFile('acme', 'hello', '1.0.0', { ...ZIP, sha256: SHA_B, size: 20 });
        expect(replacing.replaced).toEqual(added.file);
        expect(await store.listFiles('acme', 'hello', '1.0.0')).toEqual([
          { ...sums, uploadedAt: expect.any(String) as string },
          replacing.file,
        ]);
        expect(replacing.file).toMatchObject({ sha256: SHA_B, size: 20 });
      });

      it('deletes one file of a draft, once, and says which', async () => {
        await seedDraft();
        const { file } = await store.putFile('acme', 'hello', '1.0.0', ZIP);
        expect(await store.deleteFile('acme', 'hello', '1.0.0', ZIP.fileName)).toEqual(file);
        expect(await store.deleteFile('acme', 'hello', '1.0.0', ZIP.fileName)).toBeUndefined();
        expect(await store.listFiles('acme', 'hello', '1.0.0')).toEqual([]);
        await expect(store.deleteFile('acme', 'hello', '9.9.9', ZIP.fileName)).rejects.toBeInstanceOf(
          StoreNotFoundError,
        );
      });

      it('knows which digests any record still references, published or draft', async () => {
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        expect(await store.isBlobReferenced(SHA_A)).toBe(true);
        expect(await store.isBlobReferenced(SHA_B)).toBe(false);
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        expect(await store.isBlobReferenced(SHA_A)).toBe(true);
        await store.createVersion({ ...ZIP_VERSION, version: '2.0.0' });
        await store.putFile('acme', 'hello', '2.0.0', { ...ZIP, sha256: SHA_B });
        await store.deleteDraft('acme', 'hello', '2.0.0');
        expect(await store.isBlobReferenced(SHA_B)).toBe(false);
      });

      it('sums the bytes of drafts only, and refuses an upload past the quota without storing it', async () => {
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', { ...ZIP, size: 60 }, { quotaBytes: 100 });
        expect(await store.sumDraftBytes('acme')).toBe(60);
        // Replacing a file counts its new size instead of the old one.
        await store.putFile('acme', 'hello', '1.0.0', { ...ZIP, size: 100 }, { quotaBytes: 100 });
        const sums: NewVersionFile = { fileName: 'terraform-provider-hello_1.0.0_SHA256SUMS', sha256: SHA_B, size: 1 };
        const error = await store.putFile('acme', 'hello', '1.0.0', sums, { quotaBytes: 100 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreQuotaError);
        expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', quotaBytes: 100, usedBytes: 100 });
        expect((await store.listFiles('acme', 'hello', '1.0.0')).map((f) => f.fileName)).toEqual([ZIP.fileName]);
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        expect(await store.sumDraftBytes('acme')).toBe(0);
        expect(await store.sumDraftBytes('nope')).toBe(0);
      });

      it('refuses a file for an unknown version', async () => {
        await seedDraft();
        await expect(store.putFile('acme', 'hello', '9.9.9', ZIP)).rejects.toBeInstanceOf(StoreNotFoundError);
      });

      it('refuses to add or replace a file once the version is published', async () => {
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        await expect(store.putFile('acme', 'hello', '1.0.0', { ...ZIP, sha256: SHA_B })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        await expect(store.putFile('acme', 'hello', '1.0.0', { ...ZIP, fileName: 'new.zip' })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect((await store.listFiles('acme', 'hello', '1.0.0')).map((f) => [f.fileName, f.sha256])).toEqual([
          [ZIP.fileName, SHA_A],
        ]);
      });
    });

    describe('publish', () => {
      it('flips a draft with its prepared JSON, once', async () => {
        await seedDraft();
        expect(await store.publishVersion('acme', 'hello', '1.0.0', PREPARED)).toBe(true);
        const published = await store.getVersion('acme', 'hello', '1.0.0');
        expect(published).toMatchObject({ state: 'published', prepared: PREPARED, yanked: false });
        expect(isIsoDate(published?.publishedAt)).toBe(true);
        expect(await store.publishVersion('acme', 'hello', '1.0.0', { other: true })).toBe(false);
        expect((await store.getVersion('acme', 'hello', '1.0.0'))?.prepared).toEqual(PREPARED);
        await expect(store.publishVersion('acme', 'hello', '9.9.9', PREPARED)).rejects.toBeInstanceOf(
          StoreNotFoundError,
        );
      });

      it('lets exactly one of twenty concurrent publishes win, and keeps the winner’s prepared JSON', async () => {
        await seedDraft();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.publishVersion('acme', 'hello', '1.0.0', { winner: i })),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await store.getVersion('acme', 'hello', '1.0.0'))?.prepared).toEqual({ winner });
      });
    });

    describe('publish leases: a publish validates exactly the files it flips', () => {
      const SUMS: NewVersionFile = { fileName: 'terraform-provider-hello_1.0.0_SHA256SUMS', sha256: SHA_B, size: 3 };
      const validated = [{ fileName: ZIP.fileName, sha256: SHA_A }];

      it('freezes the files while the lease lasts: puts, deletes and a draft delete conflict, nothing changes', async () => {
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        const lease = await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 });
        expect(lease).toEqual(expect.any(String));
        await expect(store.putFile('acme', 'hello', '1.0.0', SUMS)).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.putFile('acme', 'hello', '1.0.0', { ...ZIP, sha256: SHA_B })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        await expect(store.deleteFile('acme', 'hello', '1.0.0', ZIP.fileName)).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        await expect(store.deleteDraft('acme', 'hello', '1.0.0')).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 })).toBeUndefined();
        expect(await store.publishVersion('acme', 'hello', '1.0.0', PREPARED)).toBe(false);
        expect((await store.listFiles('acme', 'hello', '1.0.0')).map((f) => [f.fileName, f.sha256])).toEqual([
          [ZIP.fileName, SHA_A],
        ]);
        expect(
          await store.publishVersion('acme', 'hello', '1.0.0', PREPARED, { lease: lease!, files: validated }),
        ).toBe(true);
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toMatchObject({ state: 'published' });
      });

      it('of an upload racing a leased publish, the upload conflicts and the validated files are published', async () => {
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        const lease = await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 });
        const [upload, published] = await Promise.allSettled([
          store.putFile('acme', 'hello', '1.0.0', { ...ZIP, sha256: SHA_B }),
          store.publishVersion('acme', 'hello', '1.0.0', PREPARED, { lease: lease!, files: validated }),
        ]);
        expect(upload.status).toBe('rejected');
        expect(published).toEqual({ status: 'fulfilled', value: true });
        expect((await store.listFiles('acme', 'hello', '1.0.0')).map((f) => f.sha256)).toEqual([SHA_A]);
      });

      it('refuses to flip when the stored files are not those validated, or the lease is not the caller’s', async () => {
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        // A lease that ran out (leaseMs 0) no longer freezes the files; the file condition still guards the flip.
        const stale = await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 0 });
        await store.putFile('acme', 'hello', '1.0.0', SUMS);
        expect(
          await store.publishVersion('acme', 'hello', '1.0.0', PREPARED, { lease: stale!, files: validated }),
        ).toBe(false);
        const extra = [...validated, { fileName: SUMS.fileName, sha256: SHA_A }];
        expect(await store.publishVersion('acme', 'hello', '1.0.0', PREPARED, { lease: stale!, files: extra })).toBe(
          false,
        );
        expect(
          await store.publishVersion('acme', 'hello', '1.0.0', PREPARED, { lease: 'other', files: validated }),
        ).toBe(false);
        expect((await store.getVersion('acme', 'hello', '1.0.0'))?.state).toBe('draft');
        const both = [...validated, { fileName: SUMS.fileName, sha256: SHA_B }];
        expect(await store.publishVersion('acme', 'hello', '1.0.0', PREPARED, { lease: stale!, files: both })).toBe(
          true,
        );
      });

      it('gives the draft back on abort, and gives no lease on a published or unknown version', async () => {
        await seedDraft();
        const lease = await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 });
        await store.abortPublish('acme', 'hello', '1.0.0', 'not-the-lease');
        await expect(store.putFile('acme', 'hello', '1.0.0', ZIP)).rejects.toBeInstanceOf(StoreConflictError);
        await store.abortPublish('acme', 'hello', '1.0.0', lease!);
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        expect(await store.publishVersion('acme', 'hello', '1.0.0', PREPARED)).toBe(true);
        expect(await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 })).toBeUndefined();
        await expect(store.beginPublish('acme', 'hello', '9.9.9', { leaseMs: 1 })).rejects.toBeInstanceOf(
          StoreNotFoundError,
        );
      });
    });

    describe('deprecation and yanking', () => {
      it('deprecates and un-deprecates a published version', async () => {
        await seedDraft();
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        const deprecated = await store.setDeprecation('acme', 'hello', '1.0.0', 'Use 2.0.0: 1.0.0 leaks memory.');
        expect(deprecated.deprecation).toBe('Use 2.0.0: 1.0.0 leaks memory.');
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toEqual(deprecated);
        const cleared = await store.setDeprecation('acme', 'hello', '1.0.0', null);
        expect(cleared).not.toHaveProperty('deprecation');
        expect(cleared).toMatchObject({ state: 'published', prepared: PREPARED });
      });

      it('yanks and restores a published version', async () => {
        await seedDraft();
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        expect((await store.setYanked('acme', 'hello', '1.0.0', true)).yanked).toBe(true);
        expect((await store.getVersion('acme', 'hello', '1.0.0'))?.yanked).toBe(true);
        expect((await store.setYanked('acme', 'hello', '1.0.0', false)).yanked).toBe(false);
      });

      it('refuses both on a draft or an unknown version', async () => {
        await seedDraft();
        await expect(store.setDeprecation('acme', 'hello', '1.0.0', 'old')).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.setYanked('acme', 'hello', '1.0.0', true)).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toMatchObject({ yanked: false, state: 'draft' });
        await expect(store.setYanked('acme', 'hello', '9.9.9', true)).rejects.toBeInstanceOf(StoreNotFoundError);
        await expect(store.setDeprecation('acme', 'hello', '9.9.9', null)).rejects.toBeInstanceOf(StoreNotFoundError);
      });
    });
  });
}
