import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import { examplePreparedDocument, runMetadataStoreContract } from './contract/metadata-store-contract';
import { StoreLockedError, StoreSchemaError } from './errors';
import type { MetadataStore } from './metadata-store';
import { connectMetadataStore, createChannelPair, serveMetadataStore } from './remote-metadata-store';
import { migrateSqliteDatabase, openSqliteDatabase } from './sqlite-database';
import { openSqliteMetadataStore } from './sqlite-metadata-store';

const roots: string[] = [];
async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-sqlite-'));
  roots.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

// One process owns the file (owner-lock.ts; a second open is refused), so the second instance of the embedded store
// is a handle forwarding to the process that owns it: the only safe way with this SQLite build's lock, and exactly
// what `signet serve --workers N` uses. Once the owner closed (reopen), a handle is the file opened again.
runMetadataStoreContract('sqlite (node-sqlite3-wasm)', {
  capabilities: { twoHandles: true, reopen: true, clock: true },
  open: async ({ now }) => {
    const path = join(await newDir(), 'signet.db');
    const owner = await openSqliteMetadataStore({ path, now });
    const serving: (() => void)[] = [];
    let ownerOpen = true;
    const store: MetadataStore = {
      ...owner,
      close: async () => {
        ownerOpen = false;
        for (const stop of serving.splice(0)) stop();
        await owner.close();
      },
    };
    const openHandle = async () => {
      if (!ownerOpen) return openSqliteMetadataStore({ path });
      const [ownerEnd, handleEnd] = createChannelPair();
      serving.push(serveMetadataStore(owner, ownerEnd));
      return connectMetadataStore(handleEnd);
    };
    return { store, openHandle };
  },
});

const CRASH_CHILD = fileURLToPath(new URL('./fixtures/crash-in-transaction.ts', import.meta.url));
// `--import tsx` would resolve from the child's cwd; give it the loader's absolute URL.
const TSX_LOADER = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

describe('openSqliteMetadataStore', () => {
  let path: string;
  beforeEach(async () => {
    path = join(await newDir(), 'data', 'signet.db');
  });

  async function seed() {
    const store = await openSqliteMetadataStore({ path });
    await store.createNamespace({ name: 'acme', visibility: 'public' });
    await store.createProvider({ namespace: 'acme', type: 'hello' });
    await store.createVersion({ namespace: 'acme', type: 'hello', version: '1.0.0', protocols: ['5.0'], keyId: 'K' });
    await store.putFile('acme', 'hello', '1.0.0', { fileName: 'a.zip', sha256: 'a'.repeat(64), size: 10 });
    return store;
  }

  it('creates its folder and keeps everything across a reopen, in WAL mode', async () => {
    const store = await seed();
    await store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument('x'));
    await store.close();
    expect(existsSync(`${path}.owner`)).toBe(false);
    expect(existsSync(`${path}.lock`)).toBe(false);

    const reopened = await openSqliteMetadataStore({ path });
    expect(await reopened.getVersion('acme', 'hello', '1.0.0')).toMatchObject({
      state: 'published',
      prepared: examplePreparedDocument('x'),
    });
    expect(await reopened.listFiles('acme', 'hello', '1.0.0')).toHaveLength(1);
    await reopened.close();
    const db = openSqliteDatabase(path);
    expect(db.journalMode).toBe('wal');
    expect(db.all('SELECT version FROM schema_version')).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    expect(db.all('SELECT prepared_version FROM versions')).toEqual([{ prepared_version: 1 }]);
    db.close();
  });

  it('frees the publish leases of a process that died: one process owns the file', async () => {
    const store = await seed();
    expect(await store.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 })).toEqual(expect.any(String));
    await store.close();
    const reopened = await openSqliteMetadataStore({ path });
    expect(await reopened.beginPublish('acme', 'hello', '1.0.0', { leaseMs: 60_000 })).toEqual(expect.any(String));
    await reopened.close();
  });

  it('refuses a second open while the first is open, in this process or another', async () => {
    const store = await openSqliteMetadataStore({ path });
    await expect(openSqliteMetadataStore({ path })).rejects.toBeInstanceOf(StoreLockedError);
    await store.close();
    await (await openSqliteMetadataStore({ path })).close();

    await writeFile(`${path}.owner`, JSON.stringify({ pid: process.pid, host: 'another-host' }));
    await expect(openSqliteMetadataStore({ path })).rejects.toThrow(/open by process .* "another-host"/);
  });

  it('refuses a prepared document of a shape it does not know, naming the version', async () => {
    const store = await seed();
    await store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument());
    await store.close();
    const db = openSqliteDatabase(path);
    db.run('UPDATE versions SET prepared_version = 2');
    db.close();
    const reopened = await openSqliteMetadataStore({ path });
    await expect(reopened.getVersion('acme', 'hello', '1.0.0')).rejects.toThrow(/document version 1, found 2/);
    await reopened.close();
    const again = openSqliteDatabase(path);
    again.run(`UPDATE versions SET prepared_version = 1, prepared = '{"protocols":"5.0"}'`);
    again.close();
    const broken = await openSqliteMetadataStore({ path });
    await expect(broken.listVersions('acme', 'hello')).rejects.toBeInstanceOf(StoreSchemaError);
    await broken.close();
  });

  it('migrates a fresh file and says what it applied, then nothing on the next run', () => {
    expect(migrateSqliteDatabase(path)).toEqual({
      applied: [
        { version: 1, name: expect.any(String) as string },
        { version: 2, name: expect.any(String) as string },
        { version: 3, name: 'the version of each prepared document' },
      ],
      version: 3,
    });
    expect(migrateSqliteDatabase(path)).toEqual({ applied: [], version: 3 });
  });

  it('refuses a database from a newer schema', async () => {
    await (await openSqliteMetadataStore({ path })).close();
    const db = openSqliteDatabase(path);
    db.run("INSERT INTO schema_version (version, applied_at) VALUES (99, '2030-01-01T00:00:00.000Z')");
    db.close();
    await expect(openSqliteMetadataStore({ path })).rejects.toBeInstanceOf(StoreSchemaError);
    expect(existsSync(`${path}.owner`)).toBe(false);
  });

  it(
    'is consistent after a process is killed with SIGKILL in the middle of a transaction',
    { timeout: 60_000 },
    async () => {
      await (await seed()).close();
      const child = spawn(process.execPath, ['--import', TSX_LOADER, CRASH_CHILD, path], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (data: Buffer) => data.toString().includes('READY') && resolve());
        child.on('exit', () => reject(new Error(`The child exited before it was killed: ${stderr}`)));
      });
      // The transaction really reached the disk: without that, the kill would prove nothing.
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(500_000);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      expect(existsSync(`${path}.lock`)).toBe(true); // node-sqlite3-wasm's lock, left behind by the dead process

      const store = await openSqliteMetadataStore({ path });
      expect((await store.listNamespaces()).map((n) => n.name)).toEqual(['acme', 'committed']);
      expect(await store.getVersion('acme', 'hello', '1.0.0')).toMatchObject({ state: 'draft' });
      expect(await store.listFiles('acme', 'hello', '1.0.0')).toMatchObject([{ sha256: 'a'.repeat(64), size: 10 }]);
      expect(await store.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument())).toBe(true);
      await store.close();
      const db = openSqliteDatabase(path);
      expect(db.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(db.all('PRAGMA foreign_key_check')).toEqual([]);
      db.close();
    },
  );
});
