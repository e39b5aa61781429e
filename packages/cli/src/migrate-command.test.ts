// `signet migrate` in-process: on the embedded store (--data) and on a real PostgreSQL 15 (--database and
// SIGNET_DATABASE_URL), the first run applies and says what, the next applies nothing; bad input is exit 2,
// an unreachable database exit 3, and no password is ever printed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openSqliteMetadataStore } from '@signet/registry';
import { postgresUnavailableReason, startPostgres, type PostgresServer } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT } from './context';
import { runCli } from './testing/run-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-migrate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env });

describe('signet migrate --data', () => {
  it('migrates the embedded store of a serve folder, and applies nothing on the next run', async () => {
    await (await openSqliteMetadataStore({ path: join(dir, 'data', 'signet.db') })).close();
    const again = await run(['migrate', '--data', 'data', '--json']);
    expect(again.code).toBe(EXIT.ok);
    expect(again.json).toEqual({
      ok: true,
      backend: 'sqlite',
      database: join(dir, 'data', 'signet.db'),
      applied: [],
      version: 3,
    });
    expect((await run(['migrate', '--data', 'data'])).stdout).toMatch(
      /^Nothing to apply: .*signet\.db is at schema version 3\.\n$/,
    );
  });

  it('refuses a folder without signet.db, both flags, or neither (exit 2)', async () => {
    const missing = await run(['migrate', '--data', 'nope', '--json']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.json.error).toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('no signet.db'),
    });
    expect((await run(['migrate', '--data', 'data', '--database', 'postgres://x/y'])).code).toBe(EXIT.usage);
    expect((await run(['migrate'])).stderr).toMatch(/--database postgres:\/\/… \(or SIGNET_DATABASE_URL\)/);
    expect((await run(['migrate', '--database', 'mysql://x/y'])).code).toBe(EXIT.usage);
  });

  it('refuses a folder a running serve holds (exit 2)', async () => {
    const store = await openSqliteMetadataStore({ path: join(dir, 'data', 'signet.db') });
    try {
      const locked = await run(['migrate', '--data', 'data', '--json']);
      expect(locked.code).toBe(EXIT.usage);
      expect(locked.json.error.code).toBe('STORE_LOCKED');
    } finally {
      await store.close();
    }
  });
});

const unavailable = postgresUnavailableReason();
describe.skipIf(unavailable !== undefined)(`signet migrate --database${unavailable ? ` (${unavailable})` : ''}`, () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('applies every migration and prints them, then nothing; SIGNET_DATABASE_URL stands for --database', async () => {
    const url = await server.createDatabase('migrate_me');
    const first = await run(['migrate', '--database', url]);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toMatch(
      new RegExp(
        `^Applied 2 migrations to 127\\.0\\.0\\.1:${server.port}/migrate_me \\(now at schema version 2\\):\\n\\s+1  namespaces`,
      ),
    );
    const second = await run(['migrate', '--json'], { SIGNET_DATABASE_URL: url });
    expect(second.json).toEqual({
      ok: true,
      backend: 'postgres',
      database: `127.0.0.1:${server.port}/migrate_me`,
      applied: [],
      version: 2,
    });
  });

  it('an unreachable database is exit 3 with STORE_UNAVAILABLE, and the password is not printed', async () => {
    await server.stopServer();
    try {
      const down = await run([
        'migrate',
        '--json',
        '--database',
        `postgres://signet:hunter2-secret@127.0.0.1:${server.port}/x`,
      ]);
      expect(down.code).toBe(EXIT.failure);
      expect(down.json.error.code).toBe('STORE_UNAVAILABLE');
      expect(down.stdout + down.stderr).not.toContain('hunter2-secret');
    } finally {
      await server.startServer();
    }
  });
});
