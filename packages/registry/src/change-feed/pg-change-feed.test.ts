// The PostgreSQL change feed against a real server: an event published on one feed reaches another (as on two
// replicas), a payload that is no event is dropped, and a server restart gives `resync` and then delivers again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';

import { postgresUnavailableReason, startPostgres, type PostgresServer } from '../testing/postgres';
import type { ChangeEvent } from './change-feed';
import { openPostgresChangeFeed, type PostgresChangeFeed } from './pg-change-feed';

const missing = postgresUnavailableReason();
if (missing) console.warn(`\n*** SKIPPED: the PostgreSQL change feed tests did not run: ${missing} ***\n`);

/** Resolves with the first event `accept` takes, or rejects after `ms`. */
function nextEvent(feed: PostgresChangeFeed, accept: (event: ChangeEvent) => boolean, ms = 10_000) {
  return new Promise<ChangeEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const stop = feed.subscribe((event) => {
      if (!accept(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

describe.skipIf(missing !== undefined)(`PostgreSQL change feed${missing ? ` (SKIPPED: ${missing})` : ''}`, () => {
  let server: PostgresServer;
  let url: string;
  const feeds: PostgresChangeFeed[] = [];
  const errors: unknown[] = [];
  const open = async () => {
    const feed = await openPostgresChangeFeed({
      connectionString: url,
      onError: (e) => errors.push(e),
      maxBackoffMs: 200,
    });
    feeds.push(feed);
    return feed;
  };

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
    await server?.stop();
  });

  it('delivers an event published on one feed to the other, and to its own subscribers at once', async () => {
    const a = await open();
    const b = await open();
    const seenByA: ChangeEvent[] = [];
    a.subscribe((event) => seenByA.push(event));
    const event = { kind: 'version.deprecated', namespace: 'acme', type: 'hello', version: '1.0.0' } as const;
    const onB = nextEvent(b, (e) => e.kind === 'version.deprecated');
    await a.publish(event);
    expect(seenByA).toEqual([event]);
    expect(await onB).toEqual(event);
    // A hears its own NOTIFY too, but does not deliver it twice.
    const revokedOnB = nextEvent(b, (e) => e.kind === 'token.revoked');
    await a.publish({ kind: 'token.revoked', tokenId: 'tok_1' });
    await revokedOnB;
    expect(seenByA.filter((e) => e.kind === 'version.deprecated')).toHaveLength(1);
  }, 30_000);

  it('drops a notification on its channel that is not a change event', async () => {
    const b = await open();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const seen: ChangeEvent[] = [];
    b.subscribe((event) => seen.push(event));
    const marker = nextEvent(b, (e) => e.kind === 'key.changed');
    await client.query(`SELECT pg_notify('signet_changes', $1)`, [JSON.stringify({ kind: 'version.published' })]);
    await client.query(`SELECT pg_notify('signet_changes', 'not json')`);
    await client.query(`SELECT pg_notify('signet_changes', $1)`, [
      JSON.stringify({ kind: 'key.changed', namespace: 'acme', keyId: 'ABCD' }),
    ]);
    await marker;
    await client.end();
    expect(seen).toEqual([{ kind: 'key.changed', namespace: 'acme', keyId: 'ABCD' }]);
  }, 30_000);

  it('says resync when the server goes away, reconnects once it is back, and delivers again', async () => {
    const a = await open();
    const b = await open();
    const lost = nextEvent(b, (e) => e.kind === 'resync');
    await server.stopServer('fast');
    await lost;
    expect(b.connected).toBe(false);
    const back = nextEvent(b, (e) => e.kind === 'resync', 30_000);
    await server.startServer();
    await back;
    await expect.poll(() => a.connected, { timeout: 30_000 }).toBe(true);
    const onB = nextEvent(b, (e) => e.kind === 'version.yanked', 10_000);
    await a.publish({ kind: 'version.yanked', namespace: 'acme', type: 'hello', version: '2.0.0' });
    expect(await onB).toMatchObject({ kind: 'version.yanked', version: '2.0.0' });
  }, 60_000);
});
