// `signet serve`'s scale-out settings as a user meets them: a wrong value is exit 2 naming the flag or variable to
// fix, before anything opens; secrets (a database password, AWS keys in a URL, the URL-signing key) never appear
// in what is printed; and --help lists every setting of the one table.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SERVER_SETTINGS } from '@signet/registry/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT } from './context';
import { runCli } from './testing/run-cli';

let dir: string;
const KEY = 'k'.repeat(40);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-serve-flags-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const serve = (args: string[], env: Record<string, string> = {}) =>
  runCli(['serve', '--data', join(dir, 'data'), '--port', '0', ...args], { cwd: dir, env: { CI: 'true', ...env } });

describe('signet serve scale-out settings', () => {
  it('refuses a database URL that is not PostgreSQL, naming --database, without the password', async () => {
    const run = await serve(['--database', 'mysql://root:hunter2@db.internal/signet']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('Expected --database to be a postgres:// URL');
    expect(run.stdout + run.stderr).not.toContain('hunter2');
  });

  it('refuses credentials in SIGNET_BLOBS_URL, naming it, without the keys', async () => {
    const run = await serve([], { SIGNET_BLOBS_URL: 's3://AKIAEXAMPLEKEY:wJalrSECRETKEY@bucket' });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('Expected SIGNET_BLOBS_URL without credentials');
    expect(run.stdout + run.stderr).not.toMatch(/AKIAEXAMPLEKEY|wJalrSECRETKEY/);
  });

  it('asks replicas for the shared secrets, and never repeats a short signing key', async () => {
    const noKey = await serve(['--database', 'postgres://signet@db.internal/signet']);
    expect(noKey.code).toBe(EXIT.usage);
    expect(noKey.stderr).toContain('Expected SIGNET_URL_SIGNING_KEY with --database');
    const noAdmin = await serve(['--blobs', 's3://bucket'], { SIGNET_URL_SIGNING_KEY: KEY });
    expect(noAdmin.stderr).toContain('Expected SIGNET_ADMIN_TOKEN with --blobs');
    const short = await serve([], { SIGNET_URL_SIGNING_KEY: 'short-signing-secret' });
    expect(short.code).toBe(EXIT.usage);
    expect(short.stdout + short.stderr).not.toContain('short-signing-secret');
    // Refused before anything was opened or made.
    expect(await readdir(dir)).not.toContain('data');
  });

  it('refuses a bad duration naming the flag', async () => {
    const run = await serve(['--shutdown-timeout', 'ten']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('Expected --shutdown-timeout to be a duration such as 30s, 5m or 1h, found "ten"');
  });

  it('refuses a bad --workers or SIGNET_WORKERS naming it, before anything opens', async () => {
    for (const bad of ['0', 'many', '2.5', '65']) {
      const run = await serve(['--workers', bad]);
      expect(run.code, bad).toBe(EXIT.usage);
      expect(run.stderr).toContain(
        `Expected --workers to be a whole number from 1 to 64 or auto, found ${JSON.stringify(bad)}`,
      );
    }
    const fromEnv = await serve([], { SIGNET_WORKERS: '-3' });
    expect(fromEnv.code).toBe(EXIT.usage);
    expect(fromEnv.stderr).toContain('Expected SIGNET_WORKERS to be a whole number');
    const sqlite = await serve(['--workers', '2', '--blobs', 's3://bucket'], {
      SIGNET_URL_SIGNING_KEY: KEY,
      SIGNET_ADMIN_TOKEN: 'admin-token-for-flags',
    });
    expect(sqlite.code).toBe(EXIT.usage);
    expect(sqlite.stderr).toContain('Expected --workers with --blobs to come with --database postgres://… as well');
    expect(await readdir(dir)).not.toContain('data');
  });

  it('lists every setting in --help', async () => {
    const run = await runCli(['serve', '--help'], { cwd: dir });
    expect(run.code).toBe(EXIT.ok);
    for (const setting of SERVER_SETTINGS) {
      if ('flag' in setting) expect(run.stdout).toContain(setting.flag);
      if ('env' in setting) expect(run.stdout).toContain(setting.env);
    }
    expect(run.stdout).toContain('/readyz');
    expect(run.stdout).toContain('--workers N|auto, SIGNET_WORKERS');
    expect(run.stdout).not.toContain('with --database or --blobs also GET /metrics');
  });
});
