import pg from 'pg';

import { ChangeEventSchema, deliverChange, type ChangeEvent, type ChangeFeed, type ChangeHandler } from './change-feed';

export interface PostgresChangeFeedOptions {
  /** The database every replica shares (the metadata store's). */
  connectionString: string;
  /** The LISTEN/NOTIFY channel. Default `signet_changes`. */
  channel?: string | undefined;
  /** Connection lost, a handler that threw, a payload that is no event: logged, never thrown. */
  onError?: ((error: unknown) => void) | undefined;
  /** How long one connection attempt may take. Default 5 s. */
  connectTimeoutMs?: number | undefined;
  /** Longest pause between reconnection attempts (doubling from 100 ms). Default 2 s. */
  maxBackoffMs?: number | undefined;
  /** How often the connection is checked with a query (a silent network loss shows no error). Default 5 s. */
  heartbeatMs?: number | undefined;
}

/** A change feed with its connection state, for readiness checks and tests. */
export interface PostgresChangeFeed extends ChangeFeed {
  /** True while the LISTEN connection is up. */
  readonly connected: boolean;
}

const DEFAULT_CHANNEL = 'signet_changes';
/** Events kept while the connection is down, sent once it is back (a bound: the oldest go first). */
const MAX_PENDING = 10_000;

/**
 * PostgreSQL `LISTEN/NOTIFY` between replicas, on one dedicated connection (a pooled one would be handed to a
 * query and stop listening). Events reach this process's subscribers at once, and the others through NOTIFY, which
 * PostgreSQL delivers to every listening session within milliseconds. When the connection drops, subscribers get
 * `resync` (events may have been missed: drop every cache), the feed reconnects with backoff and delivers `resync`
 * again once listening; events published meanwhile are sent then. Resolves once the first connection listens.
 */
export async function openPostgresChangeFeed(options: PostgresChangeFeedOptions): Promise<PostgresChangeFeed> {
  const channel = options.channel ?? DEFAULT_CHANNEL;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`Invalid channel name ${JSON.stringify(channel)}.`);
  const maxBackoffMs = options.maxBackoffMs ?? 2_000;
  const handlers = new Set<ChangeHandler>();
  const pending: string[] = [];
  let current: { client: pg.Client; pid: number } | undefined;
  let closed = false;
  let backoffMs = 100;
  let retry: NodeJS.Timeout | undefined;
  const report = (error: unknown) => options.onError?.(error);

  async function connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      keepAlive: true,
    });
    let dead = false;
    const lose = (error?: unknown) => {
      if (dead) return;
      dead = true;
      if (error !== undefined && !closed) report(error);
      void client.end().catch(() => {});
      if (current?.client !== client) return;
      current = undefined;
      if (closed) return;
      deliverChange([...handlers], { kind: 'resync' }, report);
      scheduleReconnect();
    };
    client.on('error', lose);
    client.on('end', () => lose());
    client.on('notification', (message) => {
      if (message.channel !== channel || message.processId === current?.pid) return; // ours: delivered already
      const event = parseEvent(message.payload);
      if (event) deliverChange([...handlers], event, report);
      else report(new Error(`Ignored a ${channel} notification that is not a change event.`));
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      if (closed) {
        dead = true;
        await client.end().catch(() => {});
        return;
      }
      current = { client, pid: rows[0]!.pid };
      backoffMs = 100;
    } catch (error) {
      dead = true;
      void client.end().catch(() => {});
      throw error;
    }
    await flush();
  }

  function scheduleReconnect(): void {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => deliverChange([...handlers], { kind: 'resync' }, report),
        (error: unknown) => {
          report(error);
          backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
          scheduleReconnect();
        },
      );
    }, backoffMs);
    retry.unref();
  }

  async function send(payload: string): Promise<void> {
    const live = current;
    if (!live) {
      queue(payload);
      return;
    }
    try {
      await live.client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    } catch (error) {
      queue(payload);
      live.client.emit('error', error);
    }
  }

  function queue(payload: string): void {
    pending.push(payload);
    if (pending.length > MAX_PENDING) pending.shift();
  }

  async function flush(): Promise<void> {
    while (pending.length > 0 && current) await send(pending.shift()!);
  }

  const heartbeat = setInterval(() => {
    const live = current;
    live?.client.query('SELECT 1').catch((error: unknown) => live.client.emit('error', error));
  }, options.heartbeatMs ?? 5_000);
  heartbeat.unref();

  try {
    await connect();
  } catch (error) {
    clearInterval(heartbeat);
    throw error;
  }

  return {
    get connected() {
      return current !== undefined;
    },
    async publish(event) {
      deliverChange([...handlers], event, report);
      if (!closed) await send(JSON.stringify(event));
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      if (retry) clearTimeout(retry);
      const live = current;
      current = undefined;
      await live?.client.end().catch(() => {});
    },
  };
}

function parseEvent(payload: string | undefined): ChangeEvent | undefined {
  try {
    const result = ChangeEventSchema.safeParse(JSON.parse(payload ?? ''));
    return result.success && result.data.kind !== 'resync' ? result.data : undefined;
  } catch {
    return undefined;
  }
}
