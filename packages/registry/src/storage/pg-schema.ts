// The PostgreSQL schema of the scale-out metadata store, as versioned migrations, and the one function that
// applies them: on every store open (unless told not to) and from `signet migrate`.
import { StoreSchemaError } from './errors';
import type { PgDatabase } from './pg-database';

/** One step of the schema; applied once, in order, in the transaction that holds the migration lock. */
export interface PgMigration {
  version: number;
  /** What it does, as `signet migrate` prints it. */
  name: string;
  sql: string;
}

/**
 * The schema, oldest first. Append, never edit: a database records each version applied in `signet_migrations`.
 * Creation order comes from identity columns (`versions.id`, `tokens.seq`), never from a physical row order.
 * Timestamps are `timestamptz` stamped by the store's clock, except publish leases, which use the database's clock:
 * replicas share it, so a lease means the same on all of them. Names sort with `COLLATE "C"` in the queries (byte
 * order, like SQLite), whatever the database's collation. Keys are deliberately not a foreign key of versions: a
 * version keeps naming the key that signed it.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'namespaces, tokens, keys, providers, versions and their files',
    sql: `
      CREATE TABLE namespaces (
        name text PRIMARY KEY,
        visibility text NOT NULL CHECK (visibility IN ('public', 'private')),
        created_at timestamptz NOT NULL
      );

      CREATE TABLE tokens (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id text PRIMARY KEY,
        name text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin', 'publish', 'read')),
        namespaces text[] NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      );

      CREATE TABLE keys (
        namespace text NOT NULL REFERENCES namespaces (name),
        key_id text NOT NULL,
        fingerprint text NOT NULL,
        ascii_armor text NOT NULL,
        source text,
        source_url text,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key_id)
      );

      CREATE TABLE providers (
        namespace text NOT NULL REFERENCES namespaces (name),
        type text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, type)
      );

      CREATE TABLE versions (
        id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        namespace text NOT NULL,
        type text NOT NULL,
        version text NOT NULL,
        protocols text[] NOT NULL,
        key_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('draft', 'published')),
        deprecation text,
        yanked boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        published_at timestamptz,
        prepared jsonb,
        prepared_version integer,
        PRIMARY KEY (namespace, type, version),
        FOREIGN KEY (namespace, type) REFERENCES providers (namespace, type),
        CHECK (state = 'draft' OR (published_at IS NOT NULL AND prepared IS NOT NULL AND prepared_version IS NOT NULL))
      );

      CREATE TABLE version_files (
        version_id bigint NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
        file_name text NOT NULL,
        sha256 text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        uploaded_at timestamptz NOT NULL,
        PRIMARY KEY (version_id, file_name)
      );
    `,
  },
  {
    // A publish holds a lease on its draft (files frozen) until it flips or gives up; the lease has an end so that
    // a replica that crashed mid-publish does not freeze the draft for ever. The digest index makes "is this blob
    // still referenced?" (garbage collection) a lookup.
    version: 2,
    name: 'publish leases and the digest index',
    sql: `
      ALTER TABLE versions ADD COLUMN publish_lease text, ADD COLUMN publish_lease_until timestamptz;
      CREATE INDEX version_files_by_sha256 ON version_files (sha256);
    `,
  },
];

/** The schema version this code needs. */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0;

/** What a migration run did: the migrations applied now (oldest first) and the schema version after it. */
export interface PgMigrationResult {
  applied: { version: number; name: string }[];
  version: number;
}

// pg_advisory_xact_lock key of the migration lock ("signet" in ASCII): replicas starting at once take turns, so the
// migrations run once; the others then find them applied.
const MIGRATION_LOCK = 0x7369676e6574;

/**
 * Brings the database's schema to `PG_SCHEMA_VERSION` in one transaction under an advisory lock (two replicas
 * starting at once: one applies, the other waits and finds nothing to do). With `apply: false`, only checks:
 * a database behind is refused with the fix (`signet migrate`). A database ahead (a newer Signet migrated it) is
 * always refused: StoreSchemaError.
 */
export async function migratePgSchema(db: PgDatabase, options: { apply?: boolean } = {}): Promise<PgMigrationResult> {
  return db.transaction(async (query) => {
    await query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await query(`CREATE TABLE IF NOT EXISTS signet_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const [row] = await query('SELECT coalesce(max(version), 0) AS version FROM signet_migrations');
    const current = Number(row?.version ?? 0);
    if (current > PG_SCHEMA_VERSION) {
      throw new StoreSchemaError(
        `Expected the database ${db.where} at schema version ${PG_SCHEMA_VERSION} or below, found version ${current}; a newer Signet migrated it: run that version.`,
      );
    }
    const pending = PG_MIGRATIONS.filter((m) => m.version > current);
    if (pending.length > 0 && options.apply === false) {
      throw new StoreSchemaError(
        `Expected the database ${db.where} at schema version ${PG_SCHEMA_VERSION}, found version ${current}; run \`signet migrate --database …\` first.`,
      );
    }
    for (const migration of pending) {
      await query(migration.sql);
      await query('INSERT INTO signet_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    return { applied: pending.map(({ version, name }) => ({ version, name })), version: PG_SCHEMA_VERSION };
  });
}
