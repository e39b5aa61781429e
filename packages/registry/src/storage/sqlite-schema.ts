/** One step of the embedded database's schema; applied once, in order, inside a transaction. */
export interface SqliteMigration {
  version: number;
  /** What it does, as `signet migrate` prints it. */
  name: string;
  sql: string;
}

/**
 * The embedded schema, oldest first. Append, never edit: a database records the last version applied in
 * `schema_version`. STRICT tables so a wrong type is an error rather than a silent conversion; JSON columns are
 * TEXT. Keys are deliberately not a foreign key of versions: a version keeps naming the key that signed it.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'namespaces, tokens, keys, providers, versions and their files',
    sql: `
      CREATE TABLE namespaces (
        name TEXT PRIMARY KEY,
        visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'publish', 'read')),
        namespaces TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;

      CREATE TABLE keys (
        namespace TEXT NOT NULL REFERENCES namespaces (name),
        key_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        ascii_armor TEXT NOT NULL,
        source TEXT,
        source_url TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (namespace, key_id)
      ) STRICT;

      CREATE TABLE providers (
        namespace TEXT NOT NULL REFERENCES namespaces (name),
        type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (namespace, type)
      ) STRICT;

      CREATE TABLE versions (
        namespace TEXT NOT NULL,
        type TEXT NOT NULL,
        version TEXT NOT NULL,
        protocols TEXT NOT NULL,
        key_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('draft', 'published')),
        deprecation TEXT,
        yanked INTEGER NOT NULL DEFAULT 0 CHECK (yanked IN (0, 1)),
        created_at TEXT NOT NULL,
        published_at TEXT,
        prepared TEXT,
        PRIMARY KEY (namespace, type, version),
        FOREIGN KEY (namespace, type) REFERENCES providers (namespace, type)
      ) STRICT;

      CREATE TABLE version_files (
        namespace TEXT NOT NULL,
        type TEXT NOT NULL,
        version TEXT NOT NULL,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        uploaded_at TEXT NOT NULL,
        PRIMARY KEY (namespace, type, version, file_name),
        FOREIGN KEY (namespace, type, version) REFERENCES versions (namespace, type, version) ON DELETE CASCADE
      ) STRICT;
    `,
  },
  {
    // A publish holds a lease on its draft (files frozen) until it flips or gives up; the lease has an end so that
    // a publisher that crashed does not freeze the draft for ever. The digest index makes "is this blob still
    // referenced?" (deleting unused bytes) a lookup.
    version: 2,
    name: 'publish leases and the digest index',
    sql: `
      ALTER TABLE versions ADD COLUMN publish_lease TEXT;
      ALTER TABLE versions ADD COLUMN publish_lease_until TEXT;
      CREATE INDEX version_files_by_sha256 ON version_files (sha256);
    `,
  },
  {
    // The prepared document's shape is versioned (records.ts, PREPARED_DOCUMENT_VERSION): every stored document
    // says which shape it has, so that a reader refuses a shape it does not know instead of misreading it. The
    // documents written before are of shape 1.
    version: 3,
    name: 'the version of each prepared document',
    sql: `
      ALTER TABLE versions ADD COLUMN prepared_version INTEGER;
      UPDATE versions SET prepared_version = 1 WHERE prepared IS NOT NULL;
    `,
  },
];
