import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

import { CHANGE_EVENT_KINDS, type ChangeEvent } from './change-feed/change-feed';

/** One finished request, as the server saw it. `route` is the matched route's pattern, never the raw path. */
export interface RequestObservation {
  method: string;
  route: string;
  status: number;
  seconds: number;
}

/** The registry's Prometheus metrics, in a registry of their own (two apps in one process do not mix). */
export interface RegistryMetrics {
  readonly registry: Registry;
  observeRequest: (observation: RequestObservation) => void;
  countUpload: () => void;
  countPublish: () => void;
  countCacheInvalidation: (kind: ChangeEvent['kind']) => void;
  /** The text exposition format, for `GET /metrics`. */
  render: () => Promise<string>;
}

export interface RegistryMetricsOptions {
  /** Also the process's own metrics (CPU, memory, event loop lag, GC): what `signet serve` turns on. */
  processMetrics?: boolean;
}

// Methods outside this list are counted as OTHER: a client must not grow the label set with made-up methods.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** From a fast JSON read (well under a millisecond) to a large download or upload. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Creates the metrics. Label values come only from fixed sets: route patterns, methods, status codes. */
export function createRegistryMetrics(options: RegistryMetricsOptions = {}): RegistryMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'signet_' });
  const requests = new Counter({
    name: 'signet_http_requests_total',
    help: 'HTTP requests answered, by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'signet_http_request_duration_seconds',
    help: 'Time from a request arriving to its response ending, by method and matched route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const uploads = new Counter({
    name: 'signet_uploads_total',
    help: 'Draft files stored.',
    registers: [registry],
  });
  const publishes = new Counter({
    name: 'signet_publishes_total',
    help: 'Versions published.',
    registers: [registry],
  });
  const invalidations = new Counter({
    name: 'signet_cache_invalidations_total',
    help: 'Read-model and token cache invalidations, by the change that caused them (resync: the change feed reconnected).',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  for (const kind of CHANGE_EVENT_KINDS) if (kind !== 'key.changed') invalidations.inc({ event: kind }, 0);
  uploads.inc(0);
  publishes.inc(0);
  return {
    registry,
    observeRequest({ method, route, status, seconds }) {
      const shownMethod = METHODS.has(method) ? method : 'OTHER';
      requests.inc({ method: shownMethod, route, status: String(status) });
      latency.observe({ method: shownMethod, route }, seconds);
    },
    countUpload: () => uploads.inc(),
    countPublish: () => publishes.inc(),
    countCacheInvalidation: (kind) => invalidations.inc({ event: kind }),
    render: () => registry.metrics(),
  };
}
