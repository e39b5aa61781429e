// A metadata backend in memory: for tests, and the reference the contract suite is read against. Several stores
// may share one backend (`createMemoryMetadataBackend`), the way replicas share a database; each call runs
// synchronously inside its promise, so a call is atomic, and records are copied in and out, so no caller holds a
// live reference into the backend.

import { randomUUID } from 'node:crypto';

import { SignetError } from '@signet/core';

import type { MetadataStore } from './metadata-store';
import { StoreConflictError, StoreNotFoundError, StoreQuotaError } from './errors';
import type {
  KeyRecord,
  NamespaceRecord,
  ProviderRecord,
  TokenRecord,
  ValidatedFile,
  VersionFileRecord,
  VersionRecord,
} from './records';

interface VersionEntry {
  record: VersionRecord;
  files: Map<string, VersionFileRecord>;
  lease?: { id: string; until: number };
}

/** What stores opened on it share: the records. Opaque outside this file. */
export interface MemoryMetadataBackend {
  readonly namespaces: Map<string, NamespaceRecord>;
  readonly tokens: Map<string, TokenRecord>;
  readonly keys: Map<string, KeyRecord>;
  readonly providers: Map<string, ProviderRecord>;
  /** Insertion order is creation order (a Map iterates in insertion order). */
  readonly versions: Map<string, VersionEntry>;
}

/** A new, empty backend for `openMemoryMetadataStore({ backend })`. */
export function createMemoryMetadataBackend(): MemoryMetadataBackend {
  return { namespaces: new Map(), tokens: new Map(), keys: new Map(), providers: new Map(), versions: new Map() };
}

/** Options of `openMemoryMetadataStore`. */
export interface MemoryMetadataStoreOptions {
  /** The records to share with other stores; a new, empty backend when absent. */
  backend?: MemoryMetadataBackend;
  /** The clock that stamps `createdAt`, `publishedAt`, …. */
  now?: () => Date;
}

/** Opens a store on `backend` (or a new one). Nothing survives the process. */
export function openMemoryMetadataStore(options: MemoryMetadataStoreOptions = {}): Promise<MetadataStore> {
  const backend = options.backend ?? createMemoryMetadataBackend();
  const clock = options.now ?? (() => new Date());
  return Promise.resolve(createStore(backend, () => clock()));
}

const key = (...parts: string[]) => parts.join('\n');
const copy = <T>(value: T): T => structuredClone(value);

function createStore(db: MemoryMetadataBackend, clock: () => Date): MetadataStore {
  let closed = false;
  /** A synchronous body as an async method (a throw becomes a rejection), refused once closed or given a NUL. */
  const run =
    <A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => Promise<R>) =>
    (...args) =>
      new Promise<R>((resolve) => {
        if (closed) throw new Error('The memory metadata store is closed.');
        refuseNul(args);
        resolve(fn(...args));
      });
  const now = () => clock().toISOString();
  const entry = (namespace: string, type: string, version: string): VersionEntry => {
    const found = db.versions.get(key(namespace, type, version));
    if (!found)
      throw new StoreNotFoundError(`Version ${JSON.stringify(`${namespace}/${type} ${version}`)} does not exist.`);
    return found;
  };
  const liveLease = (e: VersionEntry) =>
    e.lease !== undefined && e.lease.until > clock().getTime() ? e.lease : undefined;
  const changeableDraft = (namespace: string, type: string, version: string): VersionEntry => {
    const e = entry(namespace, type, version);
    const id = JSON.stringify(`${namespace}/${type} ${version}`);
    if (e.record.state !== 'draft') {
      throw new StoreConflictError(
        `Expected version ${id} to be a draft, found it published; its files never change, publish a new version instead.`,
      );
    }
    if (liveLease(e)) {
      throw new StoreConflictError(
        `Expected version ${id} to be a draft open for changes, found it being published; its files cannot change now. Wait for the publish to end, then check its state.`,
      );
    }
    return e;
  };
  const published = (namespace: string, type: string, version: string): VersionEntry => {
    const e = entry(namespace, type, version);
    if (e.record.state !== 'published') {
      throw new StoreConflictError(
        `Expected version ${JSON.stringify(`${namespace}/${type} ${version}`)} to be published, found a draft; publish it first.`,
      );
    }
    return e;
  };
  const versionsOf = (namespace: string, type: string) =>
    [...db.versions.values()].filter((e) => e.record.namespace === namespace && e.record.type === type);
  const filesOf = (e: VersionEntry) =>
    [...e.files.values()].sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
  const draftBytes = (namespace: string) =>
    [...db.versions.values()]
      .filter((e) => e.record.namespace === namespace && e.record.state === 'draft')
      .reduce((sum, e) => sum + [...e.files.values()].reduce((s, f) => s + f.size, 0), 0);
  const requireNamespace = (name: string) => {
    if (!db.namespaces.has(name))
      throw new StoreNotFoundError(`Namespace ${JSON.stringify(name)} does not exist; create it first.`);
  };
  const byName = <T>(list: T[], name: (item: T) => string) =>
    list.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));

  return {
    createNamespace: run((input) => {
      if (db.namespaces.has(input.name))
        throw new StoreConflictError(`Namespace ${JSON.stringify(input.name)} already exists.`);
      const record = { name: input.name, visibility: input.visibility, createdAt: now() };
      db.namespaces.set(record.name, record);
      return copy(record);
    }),
    getNamespace: run((name) => copy(db.namespaces.get(name))),
    listNamespaces: run(() => copy(byName([...db.namespaces.values()], (n) => n.name))),

    createToken: run((input) => {
      if (db.tokens.has(input.id) || [...db.tokens.values()].some((t) => t.secretHash === input.secretHash)) {
        throw new StoreConflictError(`Token ${JSON.stringify(input.id)} or its secret already exists.`);
      }
      const record: TokenRecord = { ...copy(input), createdAt: now() };
      db.tokens.set(record.id, record);
      return copy(record);
    }),
    findTokenBySecretHash: run((hash) => copy([...db.tokens.values()].find((t) => t.secretHash === hash))),
    listTokens: run(() => copy([...db.tokens.values()])),
    revokeToken: run((id) => {
      const token = db.tokens.get(id);
      if (!token) throw new StoreNotFoundError(`Token ${JSON.stringify(id)} does not exist.`);
      if (token.revokedAt !== undefined) return false;
      token.revokedAt = now();
      return true;
    }),

    addKey: run((input) => {
      requireNamespace(input.namespace);
      const k = key(input.namespace, input.keyId);
      if (db.keys.has(k)) {
        throw new StoreConflictError(
          `Key ${JSON.stringify(input.keyId)} already exists in namespace ${JSON.stringify(input.namespace)}.`,
        );
      }
      const record: KeyRecord = { ...copy(input), createdAt: now() };
      db.keys.set(k, record);
      return copy(record);
    }),
    getKey: run((namespace, keyId) => copy(db.keys.get(key(namespace, keyId)))),
    listKeys: run((namespace) =>
      copy(
        byName(
          [...db.keys.values()].filter((k) => k.namespace === namespace),
          (k) => k.keyId,
        ),
      ),
    ),
    deleteKey: run((namespace, keyId) => db.keys.delete(key(namespace, keyId))),

    createProvider: run((input) => {
      requireNamespace(input.namespace);
      const k = key(input.namespace, input.type);
      if (db.providers.has(k))
        throw new StoreConflictError(`Provider ${JSON.stringify(`${input.namespace}/${input.type}`)} already exists.`);
      const record = { namespace: input.namespace, type: input.type, createdAt: now() };
      db.providers.set(k, record);
      return copy(record);
    }),
    getProvider: run((namespace, type) => copy(db.providers.get(key(namespace, type)))),
    listProviders: run((namespace) =>
      copy(
        byName(
          [...db.providers.values()].filter((p) => p.namespace === namespace),
          (p) => p.type,
        ),
      ),
    ),

    createVersion: run((input) => {
      const { namespace, type, version } = input;
      if (!db.providers.has(key(namespace, type)))
        throw new StoreNotFoundError(
          `Provider ${JSON.stringify(`${namespace}/${type}`)} does not exist; create it first.`,
        );
      const k = key(namespace, type, version);
      if (db.versions.has(k))
        throw new StoreConflictError(`Version ${JSON.stringify(`${namespace}/${type} ${version}`)} already exists.`);
      const record: VersionRecord = {
        namespace,
        type,
        version,
        protocols: [...input.protocols],
        keyId: input.keyId,
        state: 'draft',
        yanked: false,
        createdAt: now(),
      };
      db.versions.set(k, { record, files: new Map() });
      return copy(record);
    }),
    getVersion: run((namespace, type, version) => copy(db.versions.get(key(namespace, type, version))?.record)),
    listVersions: run((namespace, type) => copy(versionsOf(namespace, type).map((e) => e.record))),
    listVersionsWithFiles: run((namespace, type) =>
      copy(versionsOf(namespace, type).map((e) => ({ ...e.record, files: filesOf(e) }))),
    ),
    deleteDraft: run((namespace, type, version) => {
      if (entry(namespace, type, version).record.state !== 'draft') return { deleted: false as const };
      const e = changeableDraft(namespace, type, version);
      db.versions.delete(key(namespace, type, version));
      return { deleted: true as const, files: copy(filesOf(e)) };
    }),

    putFile: run((namespace, type, version, file, options) => {
      const e = changeableDraft(namespace, type, version);
      const replaced = e.files.get(file.fileName);
      const quota = options?.quotaBytes;
      if (quota !== undefined) {
        const used = draftBytes(namespace) - (replaced?.size ?? 0);
        if (used + file.size > quota) throw new StoreQuotaError(namespace, quota, used, file.size);
      }
      const record = { fileName: file.fileName, sha256: file.sha256, size: file.size, uploadedAt: now() };
      e.files.set(record.fileName, record);
      return { file: copy(record), replaced: copy(replaced) };
    }),
    deleteFile: run((namespace, type, version, fileName) => {
      const e = changeableDraft(namespace, type, version);
      const removed = e.files.get(fileName);
      e.files.delete(fileName);
      return copy(removed);
    }),
    listFiles: run((namespace, type, version) => {
      const e = db.versions.get(key(namespace, type, version));
      return e ? copy(filesOf(e)) : [];
    }),
    sumDraftBytes: run((namespace) => draftBytes(namespace)),
    isBlobReferenced: run((sha256) =>
      [...db.versions.values()].some((e) => [...e.files.values()].some((f) => f.sha256 === sha256)),
    ),

    beginPublish: run((namespace, type, version, options) => {
      const e = entry(namespace, type, version);
      if (e.record.state !== 'draft' || liveLease(e)) return undefined;
      e.lease = { id: randomUUID(), until: clock().getTime() + options.leaseMs };
      return e.lease.id;
    }),
    abortPublish: run((namespace, type, version, lease) => {
      const e = db.versions.get(key(namespace, type, version));
      if (e?.lease?.id === lease) delete e.lease;
    }),
    publishVersion: run((namespace, type, version, prepared, condition) => {
      const e = entry(namespace, type, version);
      if (e.record.state !== 'draft') return false;
      if (condition === undefined) {
        if (liveLease(e)) return false;
      } else if (e.lease?.id !== condition.lease || !sameFiles(filesOf(e), condition.files)) {
        return false;
      }
      e.record = { ...e.record, state: 'published', publishedAt: now(), prepared: copy(prepared) };
      delete e.lease;
      return true;
    }),
    setDeprecation: run((namespace, type, version, message) => {
      const e = published(namespace, type, version);
      const { deprecation: _old, ...rest } = e.record;
      e.record = message === null ? rest : { ...rest, deprecation: message };
      return copy(e.record);
    }),
    setYanked: run((namespace, type, version, yanked) => {
      const e = published(namespace, type, version);
      e.record = { ...e.record, yanked };
      return copy(e.record);
    }),

    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

function sameFiles(stored: readonly ValidatedFile[], validated: readonly ValidatedFile[]): boolean {
  const id = (f: ValidatedFile) => `${f.fileName}\n${f.sha256}`;
  const want = new Set(validated.map(id));
  return stored.length === validated.length && want.size === validated.length && stored.every((f) => want.has(id(f)));
}

// A NUL is refused as the other backends refuse it (SQLite would cut the text, PostgreSQL cannot store it), so that
// code tested on this store behaves the same on them.
function refuseNul(args: unknown[]): void {
  const nul = args.flatMap(texts).find((text) => text.includes('\0'));
  if (nul !== undefined) {
    throw new SignetError(
      'INPUT_INVALID',
      `Expected text without NUL characters, found ${JSON.stringify(nul.slice(0, 80))}; remove the NUL.`,
    );
  }
}

/** The strings of an argument: itself, or the values of a flat record (arrays of strings included). */
function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'object' && value !== null)
    return Object.values(value).flatMap((v) =>
      typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [],
    );
  return [];
}
