import { createServer, type Server, type Socket } from 'node:net';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';

import { postgresUnavailableReason, startPostgres, type PostgresServer } from '../testing/postgres';
import { examplePreparedDocument, runMetadataStoreContract } from './contract/metadata-store-contract';
import { StoreSchemaError, StoreUnavailableError } from './errors';
import type { MetadataStore } from './metadata-store';
import { migratePostgresDatabase, openPostgresMetadataStore, type PostgresMetadataStore } from './pg-metadata-store';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pg-schema';

// One real PostgreSQL 15 server for this file (testing/postgres.ts), a fresh database per test.
const unavailable = postgresUnavailableReason();
let server: PostgresServer;
let admin: pg.Pool;
let counter = 0;

beforeAll(async () => {
  if (unavailable !== undefined) return;
  server = await startPostgres();
  admin = new pg.Pool({ connectionString: server.url, max: 2 });
  admin.on('error', () => undefined);
}, 60_000);
afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  counter += 1;
  const name = `t${counter}`;
  await admin.query(`CREATE DATABASE ${name}`);
  return {
    url: server.databaseUrl(name),
    drop: async () => void (await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)),
  };
}

/** Runs statements on `url` over a connection of their own, closed at once (no idle client left to break). */
async function sql(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(text, values)).rows;
  } finally {
    await client.end();
  }
}

if (unavailable === undefined) {
  runMetadataStoreContract('postgresql 15 (pg pool)', {
    // Two pools on one database stand for two replicas.
    capabilities: { twoHandles: true, reopen: true, clock: true },
    open: async ({ now }) => {
      const { url, drop } = await freshDatabase();
      return {
        store: await openPostgresMetadataStore({ url, now }),
        openHandle: () => openPostgresMetadataStore({ url }),
        dispose: drop,
      };
    },
  });
} else {
  test.skip(`MetadataStore contract: postgresql (${unavailable})`, () => undefined);
}

describe.skipIf(unavailable !== undefined)('openPostgresMetadataStore', () => {
  const open: PostgresMetadataStore[] = [];
  afterAll(async () => {
    for (const store of open) await store.close();
  });
  async function openStore(url: string, options: { migrate?: boolean; applicationName?: string } = {}) {
    const store = await openPostgresMetadataStore({ url, ...options });
    open.push(store);
    return store;
  }
  async function seedDraft(store: MetadataStore) {
    await store.createNamespace({ name: 'acme', visibility: 'public' });
    await store.createProvider({ namespace: 'acme', type: 'hello' });
    await store.createVersion({ namespace: 'acme', type: 'hello', version: '1.0.0', protocols: ['5.0'], keyId: 'K' });
    await store.putFile('acme', 'hello', '1.0.0', { fileName: 'a.zip', sha256: 'a'.repeat(64), size: 10 });
  }

  describe('migrations', () => {
    it('applies every migration to a fresh database, and nothing on the next start', async () => {
      const { url } = await freshDatabase();
      const first = await openStore(url);
      expect(first.migration).toEqual({
        applied: PG_MIGRATIONS.map(({ version, name }) => ({ version, name })),
        version: PG_SCHEMA_VERSION,
      });
      await seedDraft(first);
      const second = await openStore(url);
      expect(second.migration).toEqual({ applied: [], version: PG_SCHEMA_VERSION });
      expect(await second.listFiles('acme', 'hello', '1.0.0')).toHaveLength(1);
      expect(await migratePostgresDatabase({ url })).toEqual({ applied: [], version: PG_SCHEMA_VERSION });
    });

    it('of replicas starting at once on a fresh database, exactly one applies the migrations', async () => {
      const { url } = await freshDatabase();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      const applied = stores.map((s) => s.migration.applied.length).sort();
      expect(applied).toEqual([0, 0, PG_MIGRATIONS.length]);
      const rows = await sql(url, 'SELECT version FROM signet_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    });

    it('applies only what a database lacks, through migratePostgresDatabase', async () => {
      const { url } = await freshDatabase();
      await sql(
        url,
        'CREATE TABLE signet_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      await sql(url, PG_MIGRATIONS[0]!.sql);
      await sql(url, 'INSERT INTO signet_migrations (version, name) VALUES (1, $1)', [PG_MIGRATIONS[0]!.name]);
      await expect(openPostgresMetadataStore({ url, migrate: false })).rejects.toThrow(
        /found version 1; run `signet migrate/,
      );
      expect(await migratePostgresDatabase({ url })).toEqual({
        applied: PG_MIGRATIONS.slice(1).map(({ version, name }) => ({ version, name })),
        version: PG_SCHEMA_VERSION,
      });
      expect((await openStore(url, { migrate: false })).migration.applied).toEqual([]);
    });

    it('refuses a database migrated by a newer Signet, and changes nothing', async () => {
      const { url } = await freshDatabase();
      await (await openPostgresMetadataStore({ url })).close();
      await sql(url, "INSERT INTO signet_migrations (version, name) VALUES (99, 'future')");
      await expect(openPostgresMetadataStore({ url })).rejects.toBeInstanceOf(StoreSchemaError);
      expect(await sql(url, 'SELECT count(*)::int AS n FROM signet_migrations')).toEqual([
        { n: PG_MIGRATIONS.length + 1 },
      ]);
    });
  });

  it('lists versions by their identity column, not by clock: a fixed clock keeps creation order', async () => {
    const { url } = await freshDatabase();
    const at = new Date('2026-01-01T00:00:00.000Z');
    const store = await openPostgresMetadataStore({ url, now: () => at });
    open.push(store);
    await store.createNamespace({ name: 'acme', visibility: 'public' });
    await store.createProvider({ namespace: 'acme', type: 'hello' });
    for (const version of ['3.0.0', '1.0.0', '2.0.0', '0.1.0']) {
      await store.createVersion({ namespace: 'acme', type: 'hello', version, protocols: ['5.0'], keyId: 'K' });
    }
    await store.deleteDraft('acme', 'hello', '1.0.0');
    await store.createVersion({ namespace: 'acme', type: 'hello', version: '1.0.0', protocols: ['5.0'], keyId: 'K' });
    expect((await store.listVersions('acme', 'hello')).map((v) => v.version)).toEqual([
      '3.0.0',
      '2.0.0',
      '0.1.0',
      '1.0.0',
    ]);
  });

  it('refuses a prepared document of a shape it does not know, naming the version', async () => {
    const { url } = await freshDatabase();
    const store = await openStore(url);
    await seedDraft(store);
    await store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument());
    expect(await sql(url, 'SELECT prepared_version FROM versions')).toEqual([{ prepared_version: 1 }]);
    await sql(url, 'UPDATE versions SET prepared_version = 2');
    await expect(store.getVersion('acme', 'hello', '1.0.0')).rejects.toThrow(/document version 1, found 2/);
    await sql(url, `UPDATE versions SET prepared_version = 1, prepared = '{"protocols": "5.0"}'`);
    await expect(store.listVersions('acme', 'hello')).rejects.toBeInstanceOf(StoreSchemaError);
  });

  describe('faults', () => {
    it(
      'a connection cut mid-publish (pg_terminate_backend on the store’s backend) is StoreUnavailableError, and nothing is half-stored',
      { timeout: 30_000 },
      async () => {
        const { url } = await freshDatabase();
        const store = await openStore(url, { applicationName: 'signet-cut' });
        await seedDraft(store);
        const lease = await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 });
        const files = [{ fileName: 'a.zip', sha256: 'a'.repeat(64) }];
        // A trigger makes the publish's UPDATE wait on an advisory lock this test holds: the cut then lands inside
        // the publish transaction, after its row lock and file check, during its write.
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        pool.on('error', () => undefined);
        await pool.query(`
          CREATE FUNCTION wait_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$;
          CREATE TRIGGER wait_for_test BEFORE UPDATE OF state ON versions FOR EACH ROW EXECUTE FUNCTION wait_for_test();
        `);
        const holder = await pool.connect();
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock(4242)');
        const publishing = store
          .publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument(), { lease: lease!, files })
          .then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
        let pid: number | undefined;
        while (pid === undefined) {
          const { rows } = await pool.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE application_name = 'signet-cut' AND wait_event_type = 'Lock'`,
          );
          pid = rows[0]?.pid;
        }
        expect((await pool.query('SELECT pg_terminate_backend($1) AS ok', [pid])).rows).toEqual([{ ok: true }]);
        const outcome = await publishing;
        await holder.query('ROLLBACK');
        holder.release();
        await pool.query('DROP TRIGGER wait_for_test ON versions');
        await pool.end();

        expect('error' in outcome && outcome.error).toBeInstanceOf(StoreUnavailableError);
        expect(outcome).toMatchObject({ error: { code: 'STORE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) } });
        expect(String((outcome as { error: Error }).error.message)).not.toMatch(/postgres@|password/);
        // Nothing half-stored: still a draft with its file, no document; the same store works on, and the re-run
        // (the lease is still the publisher's) completes.
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toMatchObject({ state: 'draft' });
        expect(await store.getVersion('acme', 'hello', '1.0.0')).not.toHaveProperty('prepared');
        expect(await store.listFiles('acme', 'hello', '1.0.0')).toHaveLength(1);
        expect(
          await store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument(), { lease: lease!, files }),
        ).toBe(true);
      },
    );

    it('a server that accepts connections and never answers is StoreUnavailableError after the connection timeout, not a hang', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      try {
        const error = await openPostgresMetadataStore({
          url: `postgres://signet:secret-password@127.0.0.1:${port}/signet`,
          connectionTimeoutMs: 500,
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toContain(`127.0.0.1:${port}/signet`);
        expect((error as Error).message).not.toContain('secret-password');
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it(
      'database stopped: every call is StoreUnavailableError at once; started again: the same store serves again',
      { timeout: 60_000 },
      async () => {
        const { url } = await freshDatabase();
        const store = await openStore(url);
        await seedDraft(store);
        await server.stopServer();
        try {
          await expect(store.getVersion('acme', 'hello', '1.0.0')).rejects.toBeInstanceOf(StoreUnavailableError);
          await expect(
            store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument()),
          ).rejects.toBeInstanceOf(StoreUnavailableError);
          await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
          await expect(openPostgresMetadataStore({ url })).rejects.toBeInstanceOf(StoreUnavailableError);
        } finally {
          await server.startServer();
        }
        await store.ping();
        expect(await store.getVersion('acme', 'hello', '1.0.0')).toMatchObject({ state: 'draft' });
        expect(await store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument())).toBe(true);
      },
    );
  });
});
