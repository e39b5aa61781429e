// @signet/registry/postgres — the PostgreSQL metadata store of the scale-out setup (design.md §6), behind its own
// entry point so that `pg` loads only where it is used: the embedded default and the desktop never import it.

export {
  migratePostgresDatabase,
  openPostgresMetadataStore,
  type PostgresMetadataStore,
  type PostgresMetadataStoreOptions,
} from './storage/pg-metadata-store';
export { describeUrl as describePostgresUrl, isUnavailable as isPostgresUnavailable } from './storage/pg-database';
export { PG_MIGRATIONS, PG_SCHEMA_VERSION, type PgMigration, type PgMigrationResult } from './storage/pg-schema';
