// The messages of `signet serve --workers N` between the primary and its workers, besides those of the remote
// metadata store and the change feed on the same IPC channels: each carries `signetCluster` with its kind, so the
// other protocols ignore it (and these handlers ignore theirs).

/** What the primary made once and every worker runs with, sent as the worker's first message. */
export interface WorkerSetup {
  /** The address every worker listens on. */
  host: string;
  /** The port every worker listens on (the one the primary found free when asked for 0). */
  port: number;
  /** PEM chain and key (the local CA's certificate, or the one given); null for plain HTTP. */
  tls: { cert: string; key: string } | null;
  /** How long a worker lets its requests in flight finish once told to stop. */
  shutdownTimeoutMs: number;
  /** The embedded default's settings; scale-out workers read their own from the same flags and environment. */
  embedded?: EmbeddedWorkerSetup | undefined;
}

export interface EmbeddedWorkerSetup {
  dataDir: string;
  /** The URL-signing key's bytes, base64: every worker signs and checks file URLs with the same key. */
  urlSigningKey: string;
  /** SIGNET_ADMIN_TOKEN, when set. */
  adminToken?: string | undefined;
  maxFileBytes?: number | undefined;
  draftQuotaBytes?: number | undefined;
}

/** Where a worker's stores are, for the primary's banner (scale-out: the worker opened them, not the primary). */
export interface WorkerDescription {
  database: string;
  blobs: string;
}

/** A prom-client `getMetricsAsJSON()` result, as it crosses the channel. */
export type MetricsJson = unknown[];

export type ClusterMessage =
  /** A worker is ready for its setup (a message sent before it listens for one would be lost). */
  | { signetCluster: 'hello' }
  | { signetCluster: 'setup'; setup: WorkerSetup }
  | { signetCluster: 'listening'; describe?: WorkerDescription | undefined }
  | { signetCluster: 'failed'; message: string; code?: string | undefined }
  | { signetCluster: 'stop' }
  /** A worker asks for every worker's metrics, aggregated (it answers a `GET /metrics`). */
  | { signetCluster: 'metrics.request'; id: number }
  /** The sum; `error` instead when it could not be made (the worker then answers with its own figures). */
  | { signetCluster: 'metrics.answer'; id: number; text?: string; contentType?: string; error?: string }
  /** The primary asks one worker for its own metrics. */
  | { signetCluster: 'metrics.collect'; id: number }
  | { signetCluster: 'metrics.collected'; id: number; metrics: MetricsJson };

/** True for a message of this protocol (the channel carries others too). */
export function isClusterMessage(message: unknown): message is ClusterMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { signetCluster?: unknown }).signetCluster === 'string'
  );
}
