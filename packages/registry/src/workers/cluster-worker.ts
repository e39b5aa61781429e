// A worker of `signet serve --workers N`: it asks the primary for its setup, starts its server on the shared port,
// says it listens (or why it could not), serves until the primary tells it to stop or goes away, then lets its
// requests in flight finish and closes. Its `GET /metrics` answers for the whole cluster (the primary sums every
// worker's), and its `GET /healthz` names it, so a client (and the tests) can tell which worker answered.
import cluster from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { createRegistryMetrics, type RegistryMetrics } from '../metrics';
import { isClusterMessage, type ClusterMessage, type WorkerDescription, type WorkerSetup } from './cluster-messages';
import { createProcessChannel, type MessageChannelLike } from './ipc-channel';

/** What a started worker hands back: how to stop it, and where its stores are (for the primary's banner). */
export interface StartedWorker {
  describe?: WorkerDescription | undefined;
  /** Stops accepting, lets requests in flight finish (up to the shutdown timeout), closes what it opened. */
  close(): Promise<void>;
}

/** How long a worker's `GET /metrics` waits for the cluster's sum before answering with its own figures. */
const METRICS_TIMEOUT_MS = 5_000;

/** True in a process cluster.fork started: `signet serve` then runs as a worker of its primary. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * Runs this process as a worker: `start` gets the primary's setup and the channel to it. Resolves with the exit code
 * once stopped (0), or once the start failed (1, the reason sent to the primary, which reports it once).
 */
export async function runClusterWorker(
  start: (setup: WorkerSetup, channel: MessageChannelLike) => Promise<StartedWorker>,
): Promise<number> {
  const channel = createProcessChannel();
  const send = (message: ClusterMessage) => {
    try {
      channel.send(message);
    } catch {
      // The primary is gone: `disconnect` below stops this worker.
    }
  };
  const gone = new Promise<void>((resolve) => process.once('disconnect', () => resolve()));
  const setup = await Promise.race([waitFor(channel, 'setup', () => send({ signetCluster: 'hello' })), gone]);
  if (!setup) return 1;
  let worker: StartedWorker;
  try {
    worker = await start(setup.setup, channel);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    send({
      signetCluster: 'failed',
      message: error instanceof Error ? error.message : String(error),
      ...(typeof code === 'string' ? { code } : {}),
    });
    disconnect();
    return 1;
  }
  send({ signetCluster: 'listening', describe: worker.describe });
  await Promise.race([waitFor(channel, 'stop'), gone]);
  await worker.close();
  disconnect();
  return 0;
}

function waitFor<K extends ClusterMessage['signetCluster']>(
  channel: MessageChannelLike,
  kind: K,
  then?: () => void,
): Promise<Extract<ClusterMessage, { signetCluster: K }>> {
  return new Promise((resolve) => {
    const off = channel.onMessage((message) => {
      if (!isClusterMessage(message) || message.signetCluster !== kind) return;
      off();
      resolve(message as Extract<ClusterMessage, { signetCluster: K }>);
    });
    then?.();
  });
}

function disconnect(): void {
  // Without its IPC channel (and with its server closed) nothing keeps the worker's event loop alive.
  if (process.connected) process.disconnect();
}

/**
 * This worker's metrics, answering the primary's collection; `render` (what `GET /metrics` serves) is the sum over
 * every worker, asked of the primary, so one scrape sees the whole cluster whichever worker it reaches.
 */
export function createWorkerMetrics(channel: MessageChannelLike): RegistryMetrics {
  const own = createRegistryMetrics({ processMetrics: true });
  const waiting = new Map<number, (text: string | undefined) => void>();
  let nextId = 0;
  channel.onMessage((message) => {
    if (!isClusterMessage(message)) return;
    if (message.signetCluster === 'metrics.collect') {
      // A worker that cannot give its figures stays out of the sum (the primary stops waiting after 2 s).
      own.registry.getMetricsAsJSON().then(
        (metrics) => {
          try {
            channel.send({ signetCluster: 'metrics.collected', id: message.id, metrics } satisfies ClusterMessage);
          } catch {
            // the primary is gone
          }
        },
        () => {},
      );
    } else if (message.signetCluster === 'metrics.answer') {
      waiting.get(message.id)?.(message.text);
    }
  });
  const render = async (): Promise<string> => {
    const id = nextId++;
    const text = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), METRICS_TIMEOUT_MS);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      try {
        channel.send({ signetCluster: 'metrics.request', id } satisfies ClusterMessage);
      } catch {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    waiting.delete(id);
    return text ?? own.render();
  };
  return { ...own, render };
}

type FastServe = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** `GET /healthz` answered with this worker's cluster ID and process ID besides the usual `{status: "ok"}`. */
export function withWorkerHealth(fastServe: FastServe | undefined): FastServe {
  const body = JSON.stringify({ status: 'ok', worker: cluster.worker?.id, pid: process.pid });
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  };
  return (req, res, next) => {
    if (req.url === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (fastServe) fastServe(req, res, next);
    else next();
  };
}
