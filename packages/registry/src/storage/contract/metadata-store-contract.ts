import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';

import { StoreConflictError, StoreNotFoundError, StoreQuotaError } from '../errors';
import type { MetadataStore } from '../metadata-store';
import type { NewKey, NewToken, NewVersionFile, PreparedDocument } from '../records';

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

/**
 * A prepared document of the current shape for acme/hello 1.0.0, told apart by `shasum` (the race tests name
 * their winner in it). For backend-specific tests too.
 */
export function examplePreparedDocument(shasum = SHA_A): PreparedDocument {
  const file = (name: string) => `/v1/files/acme/hello/1.0.0/${name}`;
  return {
    protocols: ['5.0'],
    platforms: [{ os: 'linux', arch: 'amd64' }],
    downloads: {
      linux_amd64: {
        protocols: ['5.0'],
        os: 'linux',
        arch: 'amd64',
        filename: ZIP.fileName,
        download_url: file(ZIP.fileName),
        shasums_url: file('terraform-provider-hello_1.0.0_SHA256SUMS'),
        shasums_signature_url: file('terraform-provider-hello_1.0.0_SHA256SUMS.sig'),
        shasum,
        signing_keys: { gpg_public_keys: [{ key_id: KEY.keyId, ascii_armor: KEY.asciiArmor, trust_signature: '' }] },
      },
    },
    mirror: { archives: { linux_amd64: { url: file(ZIP.fileName), hashes: ['h1:abc=', `zh:${shasum}`] } } },
    files: { [ZIP.fileName]: { sha256: shasum, size: 10 } },
    keyId: KEY.keyId,
    fingerprint: KEY.fingerprint,
    report: {
      ok: true,
      key_id: KEY.keyId,
      platforms: [{ platform: 'linux_amd64', file_name: ZIP.fileName, size: 10, sha256: shasum, h1: 'h1:abc=' }],
      problems: [{ code: 'SOME_WARNING', severity: 'warning', message: 'ünïcødé ✓ "quoted" \\ back' }],
    },
  };
}
const PREPARED = examplePreparedDocument();
/** The document racer `i` publishes. */
const winnerDocument = (i: number) => examplePreparedDocument(i.toString(16).padStart(64, '0'));

function isIsoDate(value: string | undefined): boolean {
  return value !== undefined && new Date(value).toISOString() === value;
}

/**
 * What a backend can do beyond the interface, declared by the suite's caller. A test that needs an undeclared
 * capability is registered as skipped, its title naming the capability, never run so that it passes vacuously.
 */
export interface MetadataStoreCapabilities {
  /** `openHandle` gives a second, concurrently open store on the same backend (two replicas, two processes). */
  twoHandles?: boolean;
  /** `openHandle` after every handle closed gives a store that still holds what was written (durable backend). */
  reopen?: boolean;
  /** `open({ now })` stamps records with the given clock. */
  clock?: boolean;
}

/** A new, empty backend and a store on it, as the contract's `open` returns it. */
export interface MetadataStoreSubject {
  store: MetadataStore;
  /** Opens another store on the same backend (needed by `twoHandles` and `reopen`); the suite closes it. */
  openHandle?: () => Promise<MetadataStore>;
  /** Frees the backend after every store of it closed (drop a database, remove a folder). */
  dispose?: () => Promise<void>;
}

/** Options of `runMetadataStoreContract`. */
export interface MetadataStoreContractOptions {
  open: (options: { now?: () => Date }) => Promise<MetadataStoreSubject>;
  capabilities: MetadataStoreCapabilities;
}

/**
 * The behaviour every `MetadataStore` backend must have, as one vitest suite. `open` makes a new, empty backend
 * for each test; the suite closes every store it got and then disposes of the backend.
 */
export function runMetadataStoreContract(name: string, options: MetadataStoreContractOptions): void {
  const { capabilities } = options;
  /** `it`, or a skipped test whose title says which capability was not declared. */
  const itWith = (capability: keyof MetadataStoreCapabilities, title: string, fn: () => Promise<void>) =>
    capabilities[capability] === true
      ? it(title, { timeout: 30_000 }, fn)
      : test.skip(`${title} (capability ${capability} not declared)`, fn);

  describe(`MetadataStore contract: ${name}`, () => {
    let subject: MetadataStoreSubject;
    let store: MetadataStore;
    const extra: MetadataStore[] = [];
    beforeEach(async () => {
      subject = await options.open({});
      store = subject.store;
    });
    afterEach(async () => {
      for (const handle of extra.splice(0)) await handle.close();
      await store.close();
      await subject.dispose?.();
    });

    /**
     * Has each handle make many calls at once, so that a pooled backend holds open connections before a race:
     * otherwise opening them one by one staggers the racers and the race is not run.
     */
    async function warm(handles: MetadataStore[]): Promise<void> {
      await Promise.all(handles.flatMap((h) => Array.from({ length: 12 }, () => h.listNamespaces())));
    }

    async function openHandle(): Promise<MetadataStore> {
      if (subject.openHandle === undefined) throw new Error('The capability needs `openHandle` on the subject.');
      const handle = await subject.openHandle();
      extra.push(handle);
      return handle;
    }

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
        expect(await store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument(SHA_B))).toBe(false);
        expect((await store.getVersion('acme', 'hello', '1.0.0'))?.prepared).toEqual(PREPARED);
        await expect(store.publishVersion('acme', 'hello', '9.9.9', PREPARED)).rejects.toBeInstanceOf(
          StoreNotFoundError,
        );
      });

      it('lets exactly one of twenty concurrent publishes win, and keeps the winner’s prepared JSON', async () => {
        await seedDraft();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.publishVersion('acme', 'hello', '1.0.0', winnerDocument(i))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await store.getVersion('acme', 'hello', '1.0.0'))?.prepared).toEqual(winnerDocument(winner));
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

    describe('versions with their files', () => {
      it('lists every version in creation order, each with its files by name, in one call', async () => {
        await seedDraft();
        const sums: NewVersionFile = { fileName: 'terraform-provider-hello_1.0.0_SHA256SUMS', sha256: SHA_B, size: 3 };
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        await store.putFile('acme', 'hello', '1.0.0', sums);
        await store.createVersion({ ...ZIP_VERSION, version: '0.1.0' });
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        const listed = await store.listVersionsWithFiles('acme', 'hello');
        expect(listed.map((v) => [v.version, v.state, v.files.map((f) => f.fileName)])).toEqual([
          ['1.0.0', 'published', [sums.fileName, ZIP.fileName]],
          ['0.1.0', 'draft', []],
        ]);
        const [published, draft] = listed;
        const { files, ...record } = published!;
        expect(record).toEqual(await store.getVersion('acme', 'hello', '1.0.0'));
        expect(files).toEqual(await store.listFiles('acme', 'hello', '1.0.0'));
        expect(draft).toEqual({ ...(await store.getVersion('acme', 'hello', '0.1.0')), files: [] });
        expect(await store.listVersionsWithFiles('acme', 'nope')).toEqual([]);
      });
    });

    describe('text', () => {
      it('refuses a NUL in any text with INPUT_INVALID instead of storing or naming a shorter record', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        await expect(store.getNamespace('acme\0anything')).rejects.toMatchObject({ code: 'INPUT_INVALID' });
        await expect(store.createNamespace({ name: 'ab\0cd', visibility: 'public' })).rejects.toMatchObject({
          code: 'INPUT_INVALID',
        });
        await expect(store.createToken({ ...TOKEN, name: 'c\0i' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
        expect((await store.listNamespaces()).map((n) => n.name)).toEqual(['acme']);
        expect(await store.listTokens()).toEqual([]);
      });

      it('keeps any other Unicode text as given', async () => {
        await store.createNamespace({ name: 'acme', visibility: 'public' });
        const armor = 'ünïcødé ✓ 🔑 \u2028 "q" \\ \t\r\n';
        await store.addKey({ ...KEY, asciiArmor: armor, source: '日本' });
        expect(await store.getKey('acme', KEY.keyId)).toMatchObject({ asciiArmor: armor, source: '日本' });
      });
    });

    describe('clock', () => {
      itWith('clock', 'stamps every record with the clock it was opened with', async () => {
        const at = new Date('2026-02-03T04:05:06.789Z');
        const clocked = await options.open({ now: () => at });
        const other = clocked.store;
        try {
          expect((await other.createNamespace({ name: 'acme', visibility: 'public' })).createdAt).toBe(
            at.toISOString(),
          );
          expect((await other.createToken(TOKEN)).createdAt).toBe(at.toISOString());
          await other.createProvider({ namespace: 'acme', type: 'hello' });
          await other.createVersion(ZIP_VERSION);
          expect((await other.putFile('acme', 'hello', '1.0.0', ZIP)).file.uploadedAt).toBe(at.toISOString());
          await other.publishVersion('acme', 'hello', '1.0.0', PREPARED);
          expect(await other.getVersion('acme', 'hello', '1.0.0')).toMatchObject({
            createdAt: at.toISOString(),
            publishedAt: at.toISOString(),
          });
          expect(await other.revokeToken('t1')).toBe(true);
          expect((await other.findTokenBySecretHash(SHA_A))?.revokedAt).toBe(at.toISOString());
        } finally {
          await other.close();
          await clocked.dispose?.();
        }
      });
    });

    describe('two handles on one backend (two replicas)', () => {
      itWith('twoHandles', 'sees what the other handle wrote', async () => {
        const other = await openHandle();
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        expect(await other.listFiles('acme', 'hello', '1.0.0')).toEqual(
          await store.listFiles('acme', 'hello', '1.0.0'),
        );
        expect(await other.publishVersion('acme', 'hello', '1.0.0', PREPARED)).toBe(true);
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toMatchObject({
          state: 'published',
          prepared: PREPARED,
        });
        await expect(store.createNamespace({ name: 'acme', visibility: 'private' })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
      });

      itWith(
        'twoHandles',
        'of twenty concurrent publishes of one version over two handles, exactly one wins',
        async () => {
          const handles = [store, await openHandle()];
          await warm(handles);
          await seedDraft();
          await store.putFile('acme', 'hello', '1.0.0', ZIP);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              handles[i % 2]!.publishVersion('acme', 'hello', '1.0.0', winnerDocument(i)),
            ),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
          const winner = results.indexOf(true);
          for (const handle of handles) {
            expect((await handle.getVersion('acme', 'hello', '1.0.0'))?.prepared).toEqual(winnerDocument(winner));
          }
        },
      );

      itWith(
        'twoHandles',
        'of twenty concurrent leased publishes over two handles, one lease and one flip',
        async () => {
          const handles = [store, await openHandle()];
          await warm(handles);
          await seedDraft();
          await store.putFile('acme', 'hello', '1.0.0', ZIP);
          const files = [{ fileName: ZIP.fileName, sha256: SHA_A }];
          const results = await Promise.all(
            Array.from({ length: 20 }, async (_, i) => {
              const handle = handles[i % 2]!;
              const lease = await handle.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 });
              if (lease === undefined) return 'no lease';
              return (await handle.publishVersion('acme', 'hello', '1.0.0', winnerDocument(i), { lease, files }))
                ? 'won'
                : 'lost';
            }),
          );
          expect(results.filter((r) => r === 'won')).toHaveLength(1);
          expect(results.filter((r) => r === 'no lease')).toHaveLength(19);
        },
      );

      itWith('twoHandles', 'a lease taken through one handle freezes the files for the other', async () => {
        const other = await openHandle();
        await seedDraft();
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        const lease = await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 });
        await expect(other.putFile('acme', 'hello', '1.0.0', { ...ZIP, sha256: SHA_B })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect(await other.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 })).toBeUndefined();
        expect(await other.publishVersion('acme', 'hello', '1.0.0', PREPARED)).toBe(false);
        await store.abortPublish('acme', 'hello', '1.0.0', lease!);
        await other.putFile('acme', 'hello', '1.0.0', { ...ZIP, sha256: SHA_B });
      });

      itWith(
        'twoHandles',
        'concurrent creates of one namespace over two handles: one record, the rest conflict',
        async () => {
          const handles = [store, await openHandle()];
          await warm(handles);
          const results = await Promise.allSettled(
            Array.from({ length: 10 }, (_, i) =>
              handles[i % 2]!.createNamespace({ name: 'acme', visibility: i % 3 === 0 ? 'private' : 'public' }),
            ),
          );
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreConflictError);
          expect(await store.listNamespaces()).toHaveLength(1);
        },
      );

      itWith('twoHandles', 'concurrent uploads over two handles never take the drafts past the quota', async () => {
        const handles = [store, await openHandle()];
        await warm(handles);
        await seedDraft();
        // One draft per upload: no version row is shared, only the namespace's quota.
        const versions = Array.from({ length: 10 }, (_, i) => `1.0.${i}`);
        for (const version of versions.slice(1)) await store.createVersion({ ...ZIP_VERSION, version });
        versions[0] = '1.0.0';
        const results = await Promise.allSettled(
          versions.map((version, i) =>
            handles[i % 2]!.putFile(
              'acme',
              'hello',
              version,
              { fileName: ZIP.fileName, sha256: SHA_A, size: 30 },
              { quotaBytes: 100 },
            ),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreQuotaError);
        expect(await store.sumDraftBytes('acme')).toBe(90);
      });
    });

    describe('reopen', () => {
      itWith('reopen', 'keeps every record after every handle closed and the backend is opened again', async () => {
        await seedDraft();
        await store.createToken(TOKEN);
        await store.createToken({ ...TOKEN, id: 't0', secretHash: SHA_B });
        await store.addKey(KEY);
        await store.putFile('acme', 'hello', '1.0.0', ZIP);
        await store.createVersion({ ...ZIP_VERSION, version: '0.1.0' });
        await store.publishVersion('acme', 'hello', '1.0.0', PREPARED);
        const before = {
          versions: await store.listVersionsWithFiles('acme', 'hello'),
          tokens: await store.listTokens(),
          keys: await store.listKeys('acme'),
        };
        await store.close();
        store = await openHandle();
        expect({
          versions: await store.listVersionsWithFiles('acme', 'hello'),
          tokens: await store.listTokens(),
          keys: await store.listKeys('acme'),
        }).toEqual(before);
        expect(before.versions.map((v) => v.version)).toEqual(['1.0.0', '0.1.0']);
        expect(before.tokens.map((t) => t.id)).toEqual(['t1', 't0']);
      });
    });
  });
}
