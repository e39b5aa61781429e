import { availableParallelism } from 'node:os';

import { describe, expect, it } from 'vitest';

import { formatServerSettings, parseServerConfig, SERVER_SETTINGS, ServerConfigError } from './server-config';

const KEY = 'k'.repeat(40);
const SCALE_ENV = { SIGNET_URL_SIGNING_KEY: KEY, SIGNET_ADMIN_TOKEN: 'admin-secret-token' };

function parse(flags: Record<string, string>, env: Record<string, string> = {}) {
  return parseServerConfig({ flags, env });
}

function refusal(flags: Record<string, string>, env: Record<string, string> = {}): ServerConfigError {
  try {
    parse(flags, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ServerConfigError);
    return error as ServerConfigError;
  }
  throw new Error('expected a ServerConfigError');
}

describe('serve settings', () => {
  it('is the embedded default without storage settings', () => {
    const config = parse({});
    expect(config).toMatchObject({
      database: { kind: 'sqlite' },
      blobs: { kind: 'fs' },
      scaleOut: false,
      presignExpirySeconds: 300,
      shutdownTimeoutMs: 10_000,
    });
    expect(config.urlSigningKey).toBeUndefined();
  });

  it('reads --database and --blobs, the flag winning over its variable', () => {
    const config = parse(
      {
        database: 'postgres://signet:pw@db.internal:5432/signet',
        blobs: 's3://my-bucket?endpoint=http://127.0.0.1:9000&region=eu-west-1&forcePathStyle=true&prefix=reg',
      },
      { ...SCALE_ENV, SIGNET_DATABASE_URL: 'postgres://other@elsewhere/x' },
    );
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://signet:pw@db.internal:5432/signet',
      display: 'postgres://signet:***@db.internal:5432/signet',
    });
    expect(config.blobs).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'reg/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(config.scaleOut).toBe(true);
    expect(Buffer.from(config.urlSigningKey!).toString()).toBe(KEY);
    expect(config.adminToken).toBe('admin-secret-token');
  });

  it('reads the variables when no flag is given, and a bucket path as the prefix', () => {
    const config = parse(
      {},
      { ...SCALE_ENV, SIGNET_DATABASE_URL: 'postgresql://u@h/db', SIGNET_BLOBS_URL: 's3://bucket.one/a/b' },
    );
    expect(config.database.kind).toBe('postgres');
    expect(config.blobs).toMatchObject({ bucket: 'bucket.one', prefix: 'a/b/', forcePathStyle: false });
  });

  it('refuses a database URL that is not PostgreSQL, naming the flag and never echoing the password', () => {
    const wrongScheme = refusal({ database: 'mysql://root:hunter2@db/x' }, SCALE_ENV);
    expect(wrongScheme.setting).toBe('--database');
    expect(wrongScheme.message).toContain('--database');
    expect(wrongScheme.message).toContain('"mysql:"');
    expect(wrongScheme.message).not.toContain('hunter2');

    const notUrl = refusal({}, { ...SCALE_ENV, SIGNET_DATABASE_URL: 'hunter2 is my password' });
    expect(notUrl.setting).toBe('SIGNET_DATABASE_URL');
    expect(notUrl.message).not.toContain('hunter2');

    expect(refusal({ database: 'postgres://u:hunter2@h/' }, SCALE_ENV).message).toMatch(/name a database/);
    expect(refusal({ database: 'postgres://u:hunter2@h/' }, SCALE_ENV).message).not.toContain('hunter2');
  });

  it('refuses bad --blobs URLs with the reason', () => {
    expect(refusal({ blobs: 'https://bucket' }, SCALE_ENV).message).toMatch(/--blobs to be an s3:\/\/ URL/);
    expect(refusal({ blobs: 's3://B_ad' }, SCALE_ENV).message).toMatch(/name a bucket/);
    expect(refusal({ blobs: 's3://bucket?endpoint=ftp://x' }, SCALE_ENV).message).toMatch(/http\(s\) URL/);
    expect(refusal({ blobs: 's3://bucket?forcePathStyle=yes' }, SCALE_ENV).message).toMatch(/true or false/);
    expect(refusal({ blobs: 's3://bucket?acl=public' }, SCALE_ENV).message).toMatch(/"acl"/);
    expect(refusal({ blobs: 's3://bucket/p?prefix=q' }, SCALE_ENV).message).toMatch(/found both/);
    const withKeys = refusal({ blobs: 's3://AKIAEXAMPLE:wJalrSECRET@bucket' }, SCALE_ENV);
    expect(withKeys.setting).toBe('--blobs');
    expect(withKeys.message).toMatch(/AWS chain/);
    expect(withKeys.message).not.toContain('wJalrSECRET');
    expect(withKeys.message).not.toContain('AKIAEXAMPLE');
  });

  it('needs the shared secrets for replicas, and never repeats the signing key', () => {
    expect(refusal({ database: 'postgres://u@h/db' }, { SIGNET_ADMIN_TOKEN: 'a' }).setting).toBe(
      'SIGNET_URL_SIGNING_KEY',
    );
    expect(refusal({ database: 'postgres://u@h/db' }, { SIGNET_URL_SIGNING_KEY: KEY }).setting).toBe(
      'SIGNET_ADMIN_TOKEN',
    );
    const short = refusal({}, { SIGNET_URL_SIGNING_KEY: 'tooshort-secret' });
    expect(short.message).toContain('found 15');
    expect(short.message).not.toContain('tooshort-secret');
  });

  it('reads durations and refuses bad ones', () => {
    const config = parse({ 'presign-expiry': '2m', 'shutdown-timeout': '1500ms' });
    expect(config.presignExpirySeconds).toBe(120);
    expect(config.shutdownTimeoutMs).toBe(1500);
    expect(parse({}, { SIGNET_SHUTDOWN_TIMEOUT: '1h' }).shutdownTimeoutMs).toBe(3_600_000);
    expect(refusal({ 'presign-expiry': '10' }).message).toMatch(/--presign-expiry to be a duration/);
    expect(refusal({ 'presign-expiry': '8d' }).message).toMatch(/between 10s and 7d/);
    expect(refusal({}, { SIGNET_SHUTDOWN_TIMEOUT: 'soon' }).setting).toBe('SIGNET_SHUTDOWN_TIMEOUT');
  });

  it('reads --workers and SIGNET_WORKERS: a count, or auto for one per core; 1 without either', () => {
    expect(parse({}).workers).toBe(1);
    expect(parse({ workers: '3' }).workers).toBe(3);
    expect(parse({}, { SIGNET_WORKERS: '2' }).workers).toBe(2);
    expect(parse({ workers: '4' }, { SIGNET_WORKERS: '2' }).workers).toBe(4);
    expect(parse({ workers: 'auto' }).workers).toBe(Math.min(64, availableParallelism()));
    for (const bad of ['0', '-1', '1.5', 'two', '65', '']) {
      const error = refusal({ workers: bad });
      expect(error.setting, bad).toBe('--workers');
      expect(error.message).toContain(
        `Expected --workers to be a whole number from 1 to 64 or auto, found ${JSON.stringify(bad)}`,
      );
    }
    expect(refusal({}, { SIGNET_WORKERS: 'many' }).message).toContain('Expected SIGNET_WORKERS to be a whole number');
  });

  it('runs scale-out workers only when both stores are shared (PostgreSQL and a bucket)', () => {
    const both = { database: 'postgres://signet@db/signet', blobs: 's3://bucket', workers: '2' };
    expect(parse(both, SCALE_ENV).workers).toBe(2);
    const sqlite = refusal({ blobs: 's3://bucket', workers: '2' }, SCALE_ENV);
    expect(sqlite.setting).toBe('--workers');
    expect(sqlite.message).toContain('Expected --workers with --blobs to come with --database postgres://… as well');
    const folder = refusal({ database: 'postgres://signet@db/signet' }, { ...SCALE_ENV, SIGNET_WORKERS: '2' });
    expect(folder.setting).toBe('SIGNET_WORKERS');
    expect(folder.message).toContain('to come with --blobs s3://… as well');
    // One process is always fine.
    expect(parse({ blobs: 's3://bucket', workers: '1' }, SCALE_ENV).workers).toBe(1);
  });

  it('documents every setting once, secrets as environment only', () => {
    const help = formatServerSettings();
    for (const setting of SERVER_SETTINGS) {
      if ('flag' in setting) expect(help).toContain(setting.flag);
      if ('env' in setting) expect(help).toContain(setting.env);
    }
    expect(help).toMatch(/SIGNET_URL_SIGNING_KEY \(secret: environment only\)/);
    expect(help).toMatch(/SIGNET_ADMIN_TOKEN \(secret: environment only\)/);
    const secrets = SERVER_SETTINGS.filter((s) => s.secret);
    expect(secrets.every((s) => !('flag' in s))).toBe(true);
  });
});
