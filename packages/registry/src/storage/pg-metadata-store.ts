// The scale-out metadata backend: PostgreSQL through `pg` and its pool, plain SQL (a query builder would not
// earn its place in a few dozen fixed statements). Any number of replicas may open one database: every write
// that must see a consistent draft locks the version's row (`FOR UPDATE`) in its transaction, so concurrent
// publishes, leases and uploads across replicas serialise on that row; draft quotas lock the namespace's row.
import { randomUUID } from 'node:crypto';

import type { MetadataStore } from './metadata-store';
import { StoreConflictError, StoreNotFoundError, StoreQuotaError } from './errors';
import { openPgDatabase, type PgDatabase, type PgDatabaseOptions, type PgQuery, type PgRow } from './pg-database';
import {
  readFilesJson,
  readKeyRow,
  readNamespaceRow,
  readProviderRow,
  readTokenRow,
  readVersionFileRow,
  readVersionRow,
} from './pg-rows';
import { migratePgSchema, type PgMigrationResult } from './pg-schema';
import { PREPARED_DOCUMENT_VERSION, type ValidatedFile, type VersionWithFiles } from './records';

/** Options of `openPostgresMetadataStore`. */
export interface PostgresMetadataStoreOptions extends PgDatabaseOptions {
  /** The clock that stamps `createdAt`, `publishedAt`, …; tests pass a fixed one. Leases use the database's. */
  now?: () => Date;
  /**
   * Apply pending migrations on open (default true), under an advisory lock so that replicas starting together
   * apply them once. False: refuse a database behind with StoreSchemaError (operators who run `signet migrate`).
   */
  migrate?: boolean;
}

/** The PostgreSQL store: a MetadataStore, plus what operations need of it. */
export interface PostgresMetadataStore extends MetadataStore {
  /** What opening it migrated. */
  readonly migration: PgMigrationResult;
  /** The pool (LISTEN/NOTIFY, readiness checks); the store ends it on `close`. */
  readonly pool: PgDatabase['pool'];
  /** Resolves when the database answers a query; StoreUnavailableError when it does not. */
  ping(): Promise<void>;
}

/**
 * Opens the PostgreSQL metadata store on `url` and brings its schema up to date (see `migrate`). Throws
 * StoreUnavailableError when the database cannot be reached within `connectionTimeoutMs`, StoreSchemaError when
 * its schema is newer than this code (or behind, with `migrate: false`).
 */
export async function openPostgresMetadataStore(options: PostgresMetadataStoreOptions): Promise<PostgresMetadataStore> {
  const db = openPgDatabase(options);
  try {
    const migration = await migratePgSchema(db, { apply: options.migrate ?? true });
    const clock = options.now ?? (() => new Date());
    return {
      ...createStore(db, () => clock().toISOString()),
      migration,
      pool: db.pool,
      ping: async () => {
        await db.query('SELECT 1');
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Applies the pending migrations of the database at `url` and says which: what `signet migrate` runs. */
export async function migratePostgresDatabase(options: PgDatabaseOptions): Promise<PgMigrationResult> {
  const db = openPgDatabase({ ...options, maxConnections: 1 });
  try {
    return await migratePgSchema(db);
  } finally {
    await db.close();
  }
}

const VERSION_KEY = 'namespace = $1 AND type = $2 AND version = $3';
// to_char, not the JSON form of timestamptz, which follows the session's TimeZone.
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

const versionName = (namespace: string, type: string, version: string) =>
  JSON.stringify(`${namespace}/${type} ${version}`);

interface LockedVersion {
  id: string;
  state: string;
  lease: string | null;
  leaseLive: boolean;
}

/** Locks the version's row for the rest of the transaction; not found when there is none. */
async function lockVersion(query: PgQuery, namespace: string, type: string, version: string): Promise<LockedVersion> {
  const [row] = await query(
    `SELECT id, state, publish_lease, coalesce(publish_lease_until > clock_timestamp(), false) AS lease_live
     FROM versions WHERE ${VERSION_KEY} FOR UPDATE`,
    [namespace, type, version],
  );
  if (!row) throw new StoreNotFoundError(`Version ${versionName(namespace, type, version)} does not exist.`);
  return {
    id: String(row.id),
    state: String(row.state),
    lease: typeof row.publish_lease === 'string' ? row.publish_lease : null,
    leaseLive: row.lease_live === true,
  };
}

/** Locks a draft whose files may change: not published, no live publish lease. */
async function lockChangeableDraft(
  query: PgQuery,
  namespace: string,
  type: string,
  version: string,
): Promise<LockedVersion> {
  const locked = await lockVersion(query, namespace, type, version);
  assertChangeable(locked, versionName(namespace, type, version));
  return locked;
}

function assertChangeable(locked: LockedVersion, id: string): void {
  if (locked.state !== 'draft') {
    throw new StoreConflictError(
      `Expected version ${id} to be a draft, found it published; its files never change, publish a new version instead.`,
    );
  }
  if (locked.leaseLive) {
    throw new StoreConflictError(
      `Expected version ${id} to be a draft open for changes, found it being published; its files cannot change now. Wait for the publish to end, then check its state.`,
    );
  }
}

async function sumDraftBytes(query: PgQuery, namespace: string): Promise<number> {
  const [row] = await query(
    `SELECT coalesce(sum(f.size), 0) AS bytes FROM version_files f JOIN versions v ON v.id = f.version_id
     WHERE v.namespace = $1 AND v.state = 'draft'`,
    [namespace],
  );
  return Number(row?.bytes ?? 0);
}

function sameFiles(stored: readonly ValidatedFile[], validated: readonly ValidatedFile[]): boolean {
  const key = (f: ValidatedFile) => `${f.fileName}\n${f.sha256}`;
  const want = new Set(validated.map(key));
  return stored.length === validated.length && want.size === validated.length && stored.every((f) => want.has(key(f)));
}

/** A foreign-key violation (SQLSTATE 23503): the parent record does not exist. */
function isMissingParent(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === '23503';
}

interface StoreContext {
  db: PgDatabase;
  now: () => string;
}

function createStore(db: PgDatabase, now: () => string): MetadataStore {
  const context: StoreContext = { db, now };
  return {
    ...namespaceMethods(context),
    ...tokenMethods(context),
    ...keyMethods(context),
    ...providerMethods(context),
    ...versionMethods(context),
    ...fileMethods(context),
    ...publishMethods(context),
    close: () => db.close(),
  };
}

function namespaceMethods({
  db,
  now,
}: StoreContext): Pick<MetadataStore, 'createNamespace' | 'getNamespace' | 'listNamespaces'> {
  return {
    async createNamespace(input) {
      const [row] = await db.query(
        `INSERT INTO namespaces (name, visibility, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
         RETURNING *`,
        [input.name, input.visibility, now()],
      );
      if (!row) throw new StoreConflictError(`Namespace ${JSON.stringify(input.name)} already exists.`);
      return readNamespaceRow(row);
    },
    async getNamespace(name) {
      const [row] = await db.query('SELECT * FROM namespaces WHERE name = $1', [name]);
      return row && readNamespaceRow(row);
    },
    async listNamespaces() {
      return (await db.query('SELECT * FROM namespaces ORDER BY name COLLATE "C"')).map(readNamespaceRow);
    },
  };
}

function tokenMethods({
  db,
  now,
}: StoreContext): Pick<MetadataStore, 'createToken' | 'findTokenBySecretHash' | 'listTokens' | 'revokeToken'> {
  return {
    async createToken(input) {
      const [row] = await db.query(
        `INSERT INTO tokens (id, name, secret_hash, role, namespaces, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING RETURNING *`,
        [input.id, input.name, input.secretHash, input.role, input.namespaces, now()],
      );
      // The secret hash is not quoted: it identifies a live credential.
      if (!row) throw new StoreConflictError(`Token ${JSON.stringify(input.id)} or its secret already exists.`);
      return readTokenRow(row);
    },
    async findTokenBySecretHash(secretHash) {
      const [row] = await db.query('SELECT * FROM tokens WHERE secret_hash = $1', [secretHash]);
      return row && readTokenRow(row);
    },
    async listTokens() {
      return (await db.query('SELECT * FROM tokens ORDER BY seq')).map(readTokenRow);
    },
    async revokeToken(id) {
      const [row] = await db.query(
        `WITH revoked AS (UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING 1)
         SELECT (SELECT count(*) FROM revoked) AS revoked, (SELECT count(*) FROM tokens WHERE id = $1) AS found`,
        [id, now()],
      );
      if (Number(row?.found) === 0) throw new StoreNotFoundError(`Token ${JSON.stringify(id)} does not exist.`);
      return Number(row?.revoked) === 1;
    },
  };
}

function keyMethods({ db, now }: StoreContext): Pick<MetadataStore, 'addKey' | 'getKey' | 'listKeys' | 'deleteKey'> {
  return {
    async addKey(input) {
      let rows: PgRow[];
      try {
        rows = await db.query(
          `INSERT INTO keys (namespace, key_id, fingerprint, ascii_armor, source, source_url, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING *`,
          [
            input.namespace,
            input.keyId,
            input.fingerprint,
            input.asciiArmor,
            input.source ?? null,
            input.sourceUrl ?? null,
            now(),
          ],
        );
      } catch (error) {
        if (isMissingParent(error)) {
          throw new StoreNotFoundError(`Namespace ${JSON.stringify(input.namespace)} does not exist; create it first.`);
        }
        throw error;
      }
      const [row] = rows;
      if (!row) {
        throw new StoreConflictError(
          `Key ${JSON.stringify(input.keyId)} already exists in namespace ${JSON.stringify(input.namespace)}.`,
        );
      }
      return readKeyRow(row);
    },
    async getKey(namespace, keyId) {
      const [row] = await db.query('SELECT * FROM keys WHERE namespace = $1 AND key_id = $2', [namespace, keyId]);
      return row && readKeyRow(row);
    },
    async listKeys(namespace) {
      const rows = await db.query('SELECT * FROM keys WHERE namespace = $1 ORDER BY key_id COLLATE "C"', [namespace]);
      return rows.map(readKeyRow);
    },
    async deleteKey(namespace, keyId) {
      const rows = await db.query('DELETE FROM keys WHERE namespace = $1 AND key_id = $2 RETURNING 1', [
        namespace,
        keyId,
      ]);
      return rows.length === 1;
    },
  };
}

function providerMethods({
  db,
  now,
}: StoreContext): Pick<MetadataStore, 'createProvider' | 'getProvider' | 'listProviders'> {
  return {
    async createProvider(input) {
      let rows: PgRow[];
      try {
        rows = await db.query(
          'INSERT INTO providers (namespace, type, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING *',
          [input.namespace, input.type, now()],
        );
      } catch (error) {
        if (isMissingParent(error)) {
          throw new StoreNotFoundError(`Namespace ${JSON.stringify(input.namespace)} does not exist; create it first.`);
        }
        throw error;
      }
      const [row] = rows;
      if (!row)
        throw new StoreConflictError(`Provider ${JSON.stringify(`${input.namespace}/${input.type}`)} already exists.`);
      return readProviderRow(row);
    },
    async getProvider(namespace, type) {
      const [row] = await db.query('SELECT * FROM providers WHERE namespace = $1 AND type = $2', [namespace, type]);
      return row && readProviderRow(row);
    },
    async listProviders(namespace) {
      const rows = await db.query('SELECT * FROM providers WHERE namespace = $1 ORDER BY type COLLATE "C"', [
        namespace,
      ]);
      return rows.map(readProviderRow);
    },
  };
}

function versionMethods({
  db,
  now,
}: StoreContext): Pick<
  MetadataStore,
  'createVersion' | 'getVersion' | 'listVersions' | 'listVersionsWithFiles' | 'deleteDraft'
> {
  return {
    async createVersion(input) {
      const { namespace, type, version } = input;
      let rows: PgRow[];
      try {
        rows = await db.query(
          `INSERT INTO versions (namespace, type, version, protocols, key_id, state, created_at)
           VALUES ($1, $2, $3, $4, $5, 'draft', $6) ON CONFLICT DO NOTHING RETURNING *`,
          [namespace, type, version, [...input.protocols], input.keyId, now()],
        );
      } catch (error) {
        if (isMissingParent(error)) {
          throw new StoreNotFoundError(
            `Provider ${JSON.stringify(`${namespace}/${type}`)} does not exist; create it first.`,
          );
        }
        throw error;
      }
      const [row] = rows;
      if (!row) throw new StoreConflictError(`Version ${versionName(namespace, type, version)} already exists.`);
      return readVersionRow(row);
    },
    async getVersion(namespace, type, version) {
      const [row] = await db.query(`SELECT * FROM versions WHERE ${VERSION_KEY}`, [namespace, type, version]);
      return row && readVersionRow(row);
    },
    async listVersions(namespace, type) {
      const rows = await db.query('SELECT * FROM versions WHERE namespace = $1 AND type = $2 ORDER BY id', [
        namespace,
        type,
      ]);
      return rows.map(readVersionRow);
    },
    // One query: each version with its files aggregated by the database, never a query per version.
    async listVersionsWithFiles(namespace, type) {
      const rows = await db.query(
        `SELECT v.*, coalesce(f.files, '[]'::json) AS files FROM versions v
         LEFT JOIN LATERAL (
           SELECT json_agg(json_build_object(
             'fileName', file_name, 'sha256', sha256, 'size', size,
             'uploadedAt', to_char(uploaded_at AT TIME ZONE 'UTC', ${ISO_UTC})
           ) ORDER BY file_name COLLATE "C") AS files
           FROM version_files WHERE version_id = v.id
         ) f ON true
         WHERE v.namespace = $1 AND v.type = $2 ORDER BY v.id`,
        [namespace, type],
      );
      return rows.map((row): VersionWithFiles => ({ ...readVersionRow(row), files: readFilesJson(row) }));
    },
    deleteDraft: (namespace, type, version) =>
      db.transaction(async (query) => {
        const locked = await lockVersion(query, namespace, type, version);
        if (locked.state !== 'draft') return { deleted: false as const };
        assertChangeable(locked, versionName(namespace, type, version));
        const files = (await query('DELETE FROM version_files WHERE version_id = $1 RETURNING *', [locked.id]))
          .map(readVersionFileRow)
          .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
        await query('DELETE FROM versions WHERE id = $1', [locked.id]);
        return { deleted: true as const, files };
      }),
  };
}

function fileMethods({
  db,
  now,
}: StoreContext): Pick<MetadataStore, 'putFile' | 'deleteFile' | 'listFiles' | 'sumDraftBytes' | 'isBlobReferenced'> {
  return {
    putFile: (namespace, type, version, file, options) =>
      db.transaction(async (query) => {
        const quota = options?.quotaBytes;
        // Uploads to one namespace's drafts take turns on its row, so two cannot both fit under the quota.
        if (quota !== undefined) await query('SELECT 1 FROM namespaces WHERE name = $1 FOR NO KEY UPDATE', [namespace]);
        const locked = await lockChangeableDraft(query, namespace, type, version);
        const [old] = await query('SELECT * FROM version_files WHERE version_id = $1 AND file_name = $2', [
          locked.id,
          file.fileName,
        ]);
        const replaced = old && readVersionFileRow(old);
        if (quota !== undefined) {
          const used = (await sumDraftBytes(query, namespace)) - (replaced?.size ?? 0);
          if (used + file.size > quota) throw new StoreQuotaError(namespace, quota, used, file.size);
        }
        const [row] = await query(
          `INSERT INTO version_files (version_id, file_name, sha256, size, uploaded_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (version_id, file_name)
           DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, uploaded_at = excluded.uploaded_at
           RETURNING *`,
          [locked.id, file.fileName, file.sha256, file.size, now()],
        );
        if (!row) throw new Error('INSERT … RETURNING returned no row.');
        return { file: readVersionFileRow(row), replaced };
      }),
    deleteFile: (namespace, type, version, fileName) =>
      db.transaction(async (query) => {
        const locked = await lockChangeableDraft(query, namespace, type, version);
        const [row] = await query('DELETE FROM version_files WHERE version_id = $1 AND file_name = $2 RETURNING *', [
          locked.id,
          fileName,
        ]);
        return row && readVersionFileRow(row);
      }),
    async listFiles(namespace, type, version) {
      const rows = await db.query(
        `SELECT f.* FROM version_files f JOIN versions v ON v.id = f.version_id
         WHERE v.namespace = $1 AND v.type = $2 AND v.version = $3 ORDER BY f.file_name COLLATE "C"`,
        [namespace, type, version],
      );
      return rows.map(readVersionFileRow);
    },
    sumDraftBytes: (namespace) => sumDraftBytes(db.query, namespace),
    async isBlobReferenced(sha256) {
      return (await db.query('SELECT 1 FROM version_files WHERE sha256 = $1 LIMIT 1', [sha256])).length === 1;
    },
  };
}

function publishMethods({
  db,
  now,
}: StoreContext): Pick<
  MetadataStore,
  'beginPublish' | 'abortPublish' | 'publishVersion' | 'setDeprecation' | 'setYanked'
> {
  const setPublished = (namespace: string, type: string, version: string, column: string, value: unknown) =>
    db.transaction(async (query) => {
      const locked = await lockVersion(query, namespace, type, version);
      if (locked.state !== 'published') {
        throw new StoreConflictError(
          `Expected version ${versionName(namespace, type, version)} to be published, found a draft; publish it first.`,
        );
      }
      const [row] = await query(`UPDATE versions SET ${column} = $2 WHERE id = $1 RETURNING *`, [locked.id, value]);
      if (!row) throw new Error('UPDATE … RETURNING returned no row.');
      return readVersionRow(row);
    });
  return {
    beginPublish: (namespace, type, version, options) =>
      db.transaction(async (query) => {
        const locked = await lockVersion(query, namespace, type, version);
        if (locked.state !== 'draft' || locked.leaseLive) return undefined;
        const lease = randomUUID();
        await query(
          `UPDATE versions SET publish_lease = $2, publish_lease_until = clock_timestamp() + $3 * interval '1 millisecond'
           WHERE id = $1`,
          [locked.id, lease, options.leaseMs],
        );
        return lease;
      }),
    async abortPublish(namespace, type, version, lease) {
      await db.query(
        `UPDATE versions SET publish_lease = NULL, publish_lease_until = NULL WHERE ${VERSION_KEY} AND publish_lease = $4`,
        [namespace, type, version, lease],
      );
    },
    publishVersion: (namespace, type, version, prepared, condition) =>
      db.transaction(async (query) => {
        const locked = await lockVersion(query, namespace, type, version);
        if (locked.state !== 'draft') return false;
        if (condition === undefined) {
          if (locked.leaseLive) return false;
        } else {
          // The lease may have run out unnoticed; what matters is that no one else took it and the files are
          // exactly those validated (read under the row lock, which every file change takes too).
          if (locked.lease !== condition.lease) return false;
          const files = await query('SELECT file_name, sha256 FROM version_files WHERE version_id = $1', [locked.id]);
          const stored = files.map((f) => ({ fileName: String(f.file_name), sha256: String(f.sha256) }));
          if (!sameFiles(stored, condition.files)) return false;
        }
        await query(
          `UPDATE versions SET state = 'published', published_at = $2, prepared = $3::jsonb, prepared_version = $4,
           publish_lease = NULL, publish_lease_until = NULL WHERE id = $1`,
          [locked.id, now(), JSON.stringify(prepared), PREPARED_DOCUMENT_VERSION],
        );
        return true;
      }),
    setDeprecation: (namespace, type, version, message) =>
      setPublished(namespace, type, version, 'deprecation', message),
    setYanked: (namespace, type, version, yanked) => setPublished(namespace, type, version, 'yanked', yanked),
  };
}
