// The embedded metadata backend: one SQLite file, for `signet serve` with no options and for the desktop app.
//
// Why node-sqlite3-wasm and not better-sqlite3: the same store runs inside the Electron main process of the desktop
// app, where a native addon must be rebuilt against Electron's headers (its own ABI), and those headers cannot be
// fetched here. node-sqlite3-wasm is SQLite compiled to WebAssembly: no native build for any Node or Electron
// version, and still a real SQLite file with direct file access (its VFS maps SQLite's file calls onto `node:fs`,
// fsync included). The price: it is synchronous and slower than native, both fine for registry metadata (small rows,
// few writes), and it locks with a directory, which owner-lock.ts makes safe after a crash.

import { randomUUID } from 'node:crypto';

import type { MetadataStore } from './metadata-store';
import { StoreConflictError, StoreNotFoundError, StoreQuotaError } from './errors';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database';
import {
  readKeyRow,
  readNamespaceRow,
  readProviderRow,
  readTokenRow,
  readVersionFileRow,
  readVersionRow,
} from './sqlite-rows';
import {
  PREPARED_DOCUMENT_VERSION,
  type ValidatedFile,
  type VersionFileRecord,
  type VersionRecord,
  type VersionWithFiles,
} from './records';

/** Options of `openSqliteMetadataStore`. */
export interface SqliteMetadataStoreOptions {
  /** The database file (`DATA/signet.db`); created with its folder if missing. */
  path: string;
  /** The clock that stamps `createdAt`, `publishedAt`, …; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * Opens the embedded metadata store. Only one process (and one store per process) may have a file open at a
 * time: a second open throws `StoreLockedError`. Every method runs synchronously inside the returned promise, so
 * calls never interleave, and each write is one transaction.
 */
export function openSqliteMetadataStore(options: SqliteMetadataStoreOptions): Promise<MetadataStore> {
  const now = options.now ?? (() => new Date());
  return call(() => {
    const db = openSqliteDatabase(options.path);
    // One process owns the file (the owner lock), so a publish lease found on open was left by a process that
    // died mid-publish: its draft is open again at once, not after the lease would have run out.
    db.run('UPDATE versions SET publish_lease = NULL, publish_lease_until = NULL WHERE publish_lease IS NOT NULL');
    return createStore(db, () => now().toISOString());
  });
}

const VERSION_KEY = 'namespace = ? AND type = ? AND version = ?';

/** Runs synchronous database work as a promise, a throw becoming a rejection. */
function call<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

interface StoreContext {
  db: SqliteDatabase;
  now: () => string;
}

function createStore(db: SqliteDatabase, now: () => string): MetadataStore {
  const context: StoreContext = { db, now };
  return {
    ...namespaceMethods(context),
    ...tokenMethods(context),
    ...keyMethods(context),
    ...providerMethods(context),
    ...versionMethods(context),
    ...fileMethods(context),
    ...publishMethods(context),
    close: () => call(() => db.close()),
  };
}

function requireNamespace(db: SqliteDatabase, name: string): void {
  if (!db.get('SELECT 1 FROM namespaces WHERE name = ?', [name])) {
    throw new StoreNotFoundError(`Namespace ${JSON.stringify(name)} does not exist; create it first.`);
  }
}

function requireVersion(db: SqliteDatabase, namespace: string, type: string, version: string): VersionRecord {
  const row = db.get(`SELECT * FROM versions WHERE ${VERSION_KEY}`, [namespace, type, version]);
  if (!row)
    throw new StoreNotFoundError(`Version ${JSON.stringify(`${namespace}/${type} ${version}`)} does not exist.`);
  return readVersionRow(row);
}

function requirePublished(db: SqliteDatabase, namespace: string, type: string, version: string): void {
  if (requireVersion(db, namespace, type, version).state !== 'published') {
    throw new StoreConflictError(
      `Expected version ${JSON.stringify(`${namespace}/${type} ${version}`)} to be published, found a draft; publish it first.`,
    );
  }
}

/** The version's row when its files may change: a draft that no live publish lease holds. */
function requireChangeableDraft(context: StoreContext, namespace: string, type: string, version: string): void {
  const id = JSON.stringify(`${namespace}/${type} ${version}`);
  if (requireVersion(context.db, namespace, type, version).state !== 'draft') {
    throw new StoreConflictError(
      `Expected version ${id} to be a draft, found it published; its files never change, publish a new version instead.`,
    );
  }
  if (liveLease(context, namespace, type, version) !== undefined) {
    throw new StoreConflictError(
      `Expected version ${id} to be a draft open for changes, found it being published; its files cannot change now. Wait for the publish to end, then check its state.`,
    );
  }
}

/** The lease of a publish in progress, if one is held and has not run out. */
function liveLease(context: StoreContext, namespace: string, type: string, version: string): string | undefined {
  const row = context.db.get(
    `SELECT publish_lease FROM versions WHERE ${VERSION_KEY} AND publish_lease IS NOT NULL AND publish_lease_until > ?`,
    [namespace, type, version, context.now()],
  );
  return row === undefined ? undefined : String(row.publish_lease);
}

function listFileRows(db: SqliteDatabase, namespace: string, type: string, version: string): VersionFileRecord[] {
  return db
    .all(`SELECT * FROM version_files WHERE ${VERSION_KEY} ORDER BY file_name`, [namespace, type, version])
    .map(readVersionFileRow);
}

function listVersionRows(db: SqliteDatabase, namespace: string, type: string): VersionRecord[] {
  return db
    .all('SELECT * FROM versions WHERE namespace = ? AND type = ? ORDER BY created_at, rowid', [namespace, type])
    .map(readVersionRow);
}

function sameFiles(stored: readonly ValidatedFile[], validated: readonly ValidatedFile[]): boolean {
  const key = (f: ValidatedFile) => `${f.fileName}\n${f.sha256}`;
  const want = new Set(validated.map(key));
  return stored.length === validated.length && want.size === validated.length && stored.every((f) => want.has(key(f)));
}

function sumDraftBytes(db: SqliteDatabase, namespace: string): number {
  const row = db.get(
    `SELECT coalesce(sum(f.size), 0) AS bytes FROM version_files f
     JOIN versions v ON v.namespace = f.namespace AND v.type = f.type AND v.version = f.version
     WHERE f.namespace = ? AND v.state = 'draft'`,
    [namespace],
  );
  return Number(row?.bytes ?? 0);
}

function namespaceMethods(
  context: StoreContext,
): Pick<MetadataStore, 'createNamespace' | 'getNamespace' | 'listNamespaces'> {
  const { db, now } = context;
  return {
    createNamespace: (input) =>
      call(() => {
        const record = { name: input.name, visibility: input.visibility, createdAt: now() };
        const { changes } = db.run(
          'INSERT INTO namespaces (name, visibility, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          [record.name, record.visibility, record.createdAt],
        );
        if (changes === 0) throw new StoreConflictError(`Namespace ${JSON.stringify(input.name)} already exists.`);
        return record;
      }),
    getNamespace: (name) =>
      call(() => {
        const row = db.get('SELECT * FROM namespaces WHERE name = ?', [name]);
        return row && readNamespaceRow(row);
      }),
    listNamespaces: () => call(() => db.all('SELECT * FROM namespaces ORDER BY name').map(readNamespaceRow)),
  };
}

function tokenMethods(
  context: StoreContext,
): Pick<MetadataStore, 'createToken' | 'findTokenBySecretHash' | 'listTokens' | 'revokeToken'> {
  const { db, now } = context;
  return {
    createToken: (input) =>
      call(() => {
        const createdAt = now();
        const { changes } = db.run(
          `INSERT INTO tokens (id, name, secret_hash, role, namespaces, created_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          [input.id, input.name, input.secretHash, input.role, JSON.stringify(input.namespaces), createdAt],
        );
        // The secret hash is not quoted: it identifies a live credential.
        if (changes === 0)
          throw new StoreConflictError(`Token ${JSON.stringify(input.id)} or its secret already exists.`);
        return { ...input, namespaces: [...input.namespaces], createdAt };
      }),
    findTokenBySecretHash: (secretHash) =>
      call(() => {
        const row = db.get('SELECT * FROM tokens WHERE secret_hash = ?', [secretHash]);
        return row && readTokenRow(row);
      }),
    listTokens: () => call(() => db.all('SELECT * FROM tokens ORDER BY created_at, rowid').map(readTokenRow)),
    revokeToken: (id) =>
      call(() =>
        db.transaction(() => {
          if (!db.get('SELECT 1 FROM tokens WHERE id = ?', [id])) {
            throw new StoreNotFoundError(`Token ${JSON.stringify(id)} does not exist.`);
          }
          const { changes } = db.run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
            now(),
            id,
          ]);
          return changes === 1;
        }),
      ),
  };
}

function keyMethods(context: StoreContext): Pick<MetadataStore, 'addKey' | 'getKey' | 'listKeys' | 'deleteKey'> {
  const { db, now } = context;
  return {
    addKey: (input) =>
      call(() =>
        db.transaction(() => {
          requireNamespace(db, input.namespace);
          const record = { ...input, createdAt: now() };
          const { changes } = db.run(
            `INSERT INTO keys (namespace, key_id, fingerprint, ascii_armor, source, source_url, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
            [
              input.namespace,
              input.keyId,
              input.fingerprint,
              input.asciiArmor,
              input.source ?? null,
              input.sourceUrl ?? null,
              record.createdAt,
            ],
          );
          if (changes === 0) {
            throw new StoreConflictError(
              `Key ${JSON.stringify(input.keyId)} already exists in namespace ${JSON.stringify(input.namespace)}.`,
            );
          }
          return record;
        }),
      ),
    getKey: (namespace, keyId) =>
      call(() => {
        const row = db.get('SELECT * FROM keys WHERE namespace = ? AND key_id = ?', [namespace, keyId]);
        return row && readKeyRow(row);
      }),
    listKeys: (namespace) =>
      call(() => db.all('SELECT * FROM keys WHERE namespace = ? ORDER BY key_id', [namespace]).map(readKeyRow)),
    deleteKey: (namespace, keyId) =>
      call(() => db.run('DELETE FROM keys WHERE namespace = ? AND key_id = ?', [namespace, keyId]).changes === 1),
  };
}

function providerMethods(
  context: StoreContext,
): Pick<MetadataStore, 'createProvider' | 'getProvider' | 'listProviders'> {
  const { db, now } = context;
  return {
    createProvider: (input) =>
      call(() =>
        db.transaction(() => {
          requireNamespace(db, input.namespace);
          const record = { namespace: input.namespace, type: input.type, createdAt: now() };
          const { changes } = db.run(
            'INSERT INTO providers (namespace, type, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
            [record.namespace, record.type, record.createdAt],
          );
          if (changes === 0) {
            throw new StoreConflictError(
              `Provider ${JSON.stringify(`${input.namespace}/${input.type}`)} already exists.`,
            );
          }
          return record;
        }),
      ),
    getProvider: (namespace, type) =>
      call(() => {
        const row = db.get('SELECT * FROM providers WHERE namespace = ? AND type = ?', [namespace, type]);
        return row && readProviderRow(row);
      }),
    listProviders: (namespace) =>
      call(() => db.all('SELECT * FROM providers WHERE namespace = ? ORDER BY type', [namespace]).map(readProviderRow)),
  };
}

function versionMethods(
  context: StoreContext,
): Pick<MetadataStore, 'createVersion' | 'getVersion' | 'listVersions' | 'listVersionsWithFiles' | 'deleteDraft'> {
  const { db, now } = context;
  return {
    createVersion: (input) =>
      call(() =>
        db.transaction(() => {
          const { namespace, type, version } = input;
          if (!db.get('SELECT 1 FROM providers WHERE namespace = ? AND type = ?', [namespace, type])) {
            throw new StoreNotFoundError(
              `Provider ${JSON.stringify(`${namespace}/${type}`)} does not exist; create it first.`,
            );
          }
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
          const { changes } = db.run(
            `INSERT INTO versions (namespace, type, version, protocols, key_id, state, created_at)
             VALUES (?, ?, ?, ?, ?, 'draft', ?) ON CONFLICT DO NOTHING`,
            [namespace, type, version, JSON.stringify(record.protocols), record.keyId, record.createdAt],
          );
          if (changes === 0) {
            throw new StoreConflictError(
              `Version ${JSON.stringify(`${namespace}/${type} ${version}`)} already exists.`,
            );
          }
          return record;
        }),
      ),
    getVersion: (namespace, type, version) =>
      call(() => {
        const row = db.get(`SELECT * FROM versions WHERE ${VERSION_KEY}`, [namespace, type, version]);
        return row && readVersionRow(row);
      }),
    listVersions: (namespace, type) => call(() => listVersionRows(db, namespace, type)),
    // Two queries whatever the number of versions (all versions, then all their files), in one synchronous read.
    listVersionsWithFiles: (namespace, type) =>
      call(() => {
        const files = new Map<string, VersionFileRecord[]>();
        const rows = db.all('SELECT * FROM version_files WHERE namespace = ? AND type = ? ORDER BY file_name', [
          namespace,
          type,
        ]);
        for (const row of rows) {
          const key = String(row.version);
          const list = files.get(key) ?? [];
          list.push(readVersionFileRow(row));
          files.set(key, list);
        }
        return listVersionRows(db, namespace, type).map((v): VersionWithFiles => ({
          ...v,
          files: files.get(v.version) ?? [],
        }));
      }),
    deleteDraft: (namespace, type, version) =>
      call(() =>
        db.transaction(() => {
          if (requireVersion(db, namespace, type, version).state !== 'draft') return { deleted: false as const };
          requireChangeableDraft(context, namespace, type, version);
          const files = listFileRows(db, namespace, type, version);
          db.run(`DELETE FROM versions WHERE ${VERSION_KEY} AND state = 'draft'`, [namespace, type, version]);
          return { deleted: true as const, files };
        }),
      ),
  };
}

function fileMethods(
  context: StoreContext,
): Pick<MetadataStore, 'putFile' | 'deleteFile' | 'listFiles' | 'sumDraftBytes' | 'isBlobReferenced'> {
  const { db, now } = context;
  return {
    putFile: (namespace, type, version, file, options) =>
      call(() =>
        db.transaction(() => {
          requireChangeableDraft(context, namespace, type, version);
          const key = [namespace, type, version];
          const row = db.get(`SELECT * FROM version_files WHERE ${VERSION_KEY} AND file_name = ?`, [
            ...key,
            file.fileName,
          ]);
          const replaced = row && readVersionFileRow(row);
          const quota = options?.quotaBytes;
          if (quota !== undefined) {
            const used = sumDraftBytes(db, namespace) - (replaced?.size ?? 0);
            if (used + file.size > quota) throw new StoreQuotaError(namespace, quota, used, file.size);
          }
          const record = { fileName: file.fileName, sha256: file.sha256, size: file.size, uploadedAt: now() };
          db.run(
            `INSERT INTO version_files (namespace, type, version, file_name, sha256, size, uploaded_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (namespace, type, version, file_name)
             DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, uploaded_at = excluded.uploaded_at`,
            [...key, record.fileName, record.sha256, record.size, record.uploadedAt],
          );
          return { file: record, replaced };
        }),
      ),
    deleteFile: (namespace, type, version, fileName) =>
      call(() =>
        db.transaction(() => {
          requireChangeableDraft(context, namespace, type, version);
          const where = `${VERSION_KEY} AND file_name = ?`;
          const row = db.get(`SELECT * FROM version_files WHERE ${where}`, [namespace, type, version, fileName]);
          if (!row) return undefined;
          db.run(`DELETE FROM version_files WHERE ${where}`, [namespace, type, version, fileName]);
          return readVersionFileRow(row);
        }),
      ),
    listFiles: (namespace, type, version) => call(() => listFileRows(db, namespace, type, version)),
    sumDraftBytes: (namespace) => call(() => sumDraftBytes(db, namespace)),
    isBlobReferenced: (sha256) =>
      call(() => db.get('SELECT 1 FROM version_files WHERE sha256 = ? LIMIT 1', [sha256]) !== undefined),
  };
}

function publishMethods(
  context: StoreContext,
): Pick<MetadataStore, 'beginPublish' | 'abortPublish' | 'publishVersion' | 'setDeprecation' | 'setYanked'> {
  const { db, now } = context;
  return {
    beginPublish: (namespace, type, version, options) =>
      call(() =>
        db.transaction(() => {
          if (requireVersion(db, namespace, type, version).state !== 'draft') return undefined;
          if (liveLease(context, namespace, type, version) !== undefined) return undefined;
          const lease = randomUUID();
          const until = new Date(Date.parse(now()) + options.leaseMs).toISOString();
          db.run(`UPDATE versions SET publish_lease = ?, publish_lease_until = ? WHERE ${VERSION_KEY}`, [
            lease,
            until,
            namespace,
            type,
            version,
          ]);
          return lease;
        }),
      ),
    abortPublish: (namespace, type, version, lease) =>
      call(() => {
        db.run(
          `UPDATE versions SET publish_lease = NULL, publish_lease_until = NULL WHERE ${VERSION_KEY} AND publish_lease = ?`,
          [namespace, type, version, lease],
        );
      }),
    publishVersion: (namespace, type, version, prepared, condition) =>
      call(() =>
        db.transaction(() => {
          if (requireVersion(db, namespace, type, version).state !== 'draft') return false;
          const held = liveLease(context, namespace, type, version);
          if (condition === undefined) {
            if (held !== undefined) return false;
          } else {
            // The lease may have run out unnoticed; what matters is that no one else took it and the files are
            // exactly those validated.
            const row = db.get(`SELECT publish_lease FROM versions WHERE ${VERSION_KEY}`, [namespace, type, version]);
            if (row?.publish_lease !== condition.lease) return false;
            if (!sameFiles(listFileRows(db, namespace, type, version), condition.files)) return false;
          }
          const { changes } = db.run(
            `UPDATE versions SET state = 'published', published_at = ?, prepared = ?, prepared_version = ?,
             publish_lease = NULL, publish_lease_until = NULL WHERE ${VERSION_KEY} AND state = 'draft'`,
            [now(), JSON.stringify(prepared), PREPARED_DOCUMENT_VERSION, namespace, type, version],
          );
          return changes === 1;
        }),
      ),
    setDeprecation: (namespace, type, version, message) =>
      call(() =>
        db.transaction(() => {
          requirePublished(db, namespace, type, version);
          db.run(`UPDATE versions SET deprecation = ? WHERE ${VERSION_KEY}`, [message, namespace, type, version]);
          return requireVersion(db, namespace, type, version);
        }),
      ),
    setYanked: (namespace, type, version, yanked) =>
      call(() =>
        db.transaction(() => {
          requirePublished(db, namespace, type, version);
          db.run(`UPDATE versions SET yanked = ? WHERE ${VERSION_KEY}`, [yanked ? 1 : 0, namespace, type, version]);
          return requireVersion(db, namespace, type, version);
        }),
      ),
  };
}
