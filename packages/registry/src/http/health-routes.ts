import type { Env, Hono } from 'hono';

import type { RegistryMetrics } from '../metrics';

/** A readiness check: resolves when the part it checks answers, rejects (or takes too long) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthRoutesOptions {
  /** Named checks `GET /readyz` runs, e.g. `{ database, blobs }`. */
  checks: Readonly<Record<string, ReadinessCheck>>;
  /** How long one check may take before it counts as failed. Default 2 s. */
  checkTimeoutMs?: number | undefined;
  /** Serves `GET /metrics` when given. */
  metrics?: RegistryMetrics | undefined;
  /** Called with the error of a failed check (the response names only the check). */
  onCheckFailed?: ((name: string, error: unknown) => void) | undefined;
}

/** What `/readyz` tells a load balancer to wait before asking again, in seconds. */
export const READINESS_RETRY_AFTER_SECONDS = 5;

/**
 * `GET /healthz`: the process answers (a liveness probe; it touches no store). `GET /readyz`: every check passes
 * within its timeout, 200, or 503 with `Retry-After` naming the checks that failed (a readiness probe: take the
 * replica out of the load balancer, do not restart it). `GET /metrics`: the Prometheus text format.
 */
export function mountHealthRoutes<E extends Env>(app: Hono<E>, options: HealthRoutesOptions): void {
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, { 'Cache-Control': 'no-store' }));
  app.get('/readyz', async (c) => {
    const entries = Object.entries(options.checks);
    const results = await Promise.all(
      entries.map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs);
          return [name, 'ok'] as const;
        } catch (error) {
          options.onCheckFailed?.(name, error);
          return [name, 'unavailable'] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    const body = { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) };
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (!ready) headers['Retry-After'] = String(READINESS_RETRY_AFTER_SECONDS);
    return c.json(body, ready ? 200 : 503, headers);
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (c) =>
      c.body(await metrics.render(), 200, {
        'Content-Type': metrics.registry.contentType,
        'Cache-Control': 'no-store',
      }),
    );
  }
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No answer within ${ms} ms.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
