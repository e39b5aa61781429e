// The primary of `signet serve --workers N`: it forks N workers that share one listening port (Node's cluster; the
// primary accepts and hands connections out round-robin), gives each its setup, serves the embedded metadata store
// to them over IPC (SQLite is one process's), relays the change feed between them so a publish, deprecation, yank or
// revocation answered by one drops the caches of all, aggregates their metrics for `GET /metrics`, restarts a worker
// that dies (with backoff when it keeps dying), and on close lets every worker finish its requests in flight.
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { SignetError } from '@signet/core';
import { AggregatorRegistry } from 'prom-client';

import { createChannelChangeFeed } from '../change-feed/channel-change-feed';
import type { MetadataStore } from '../storage/metadata-store';
import { serveMetadataStore } from '../storage/remote-metadata-store';
import {
  isClusterMessage,
  type ClusterMessage,
  type MetricsJson,
  type WorkerDescription,
  type WorkerSetup,
} from './cluster-messages';
import { createWorkerChannel, IpcChannelClosedError, type MessageChannelLike } from './ipc-channel';

export interface WorkerClusterOptions {
  /** How many workers (≥ 2; one process needs no cluster). */
  workers: number;
  host: string;
  /** The port; 0 for any free one (found here once, so a restarted worker listens on the same). */
  port: number;
  /** What every worker gets as its first message; the port is added. */
  setup: Omit<WorkerSetup, 'port'>;
  /** The embedded default's store, opened by this process alone: the workers' calls run on it. */
  metadata?: MetadataStore | undefined;
  /** One line per event worth an operator's eye (a worker died and is restarted). */
  log: (line: string) => void;
  /** How long the start waits for every worker to listen. Default 60 s. */
  startTimeoutMs?: number | undefined;
}

/** A running cluster. */
export interface WorkerCluster {
  /** The port every worker listens on. */
  port: number;
  /** Where the first worker's stores are (scale-out workers say; undefined for the embedded default). */
  describe: WorkerDescription | undefined;
  /** The process IDs of the workers running now. */
  workerPids(): number[];
  /**
   * Tells every worker to stop (each stops accepting and lets requests in flight finish, up to the shutdown timeout)
   * and waits for them to exit; a worker still there 5 s after the timeout is killed. Idempotent.
   */
  close(): Promise<void>;
}

/** A worker failed to start: its own message, with its code. */
export class WorkerStartError extends SignetError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** A worker that lived less than this before dying counts towards the backoff. */
const SHORT_LIFE_MS = 10_000;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** How long the primary waits for each worker's metrics before aggregating what it has. */
const METRICS_TIMEOUT_MS = 2_000;

interface Slot {
  worker: Worker;
  channel: MessageChannelLike;
  startedAt: number;
  listening: boolean;
  /** Deaths in a row, each after a short life: the next restart waits FIRST_BACKOFF_MS × 2^(n-1). */
  shortLives: number;
  detach: (() => void)[];
}

/** Forks the workers and resolves once every one listens; a worker that fails to start fails the whole start. */
export async function startWorkerCluster(options: WorkerClusterOptions): Promise<WorkerCluster> {
  if (!cluster.isPrimary) throw new Error('Expected startWorkerCluster in the primary process, found a worker.');
  const port = await findPort(options.host, options.port);
  // Structured clone on the IPC channels, not JSON: a store answer of `undefined` (no such record) and `undefined`
  // fields arrive as they left, as in the in-process channel the remote store's contract suite runs on.
  cluster.setupPrimary({ serialization: 'advanced' });
  const setup: WorkerSetup = { ...options.setup, port };
  const feed = createChannelChangeFeed({
    channels: [],
    relay: true,
    onError: (error) => {
      if (!(error instanceof IpcChannelClosedError)) options.log(`signet serve: change feed: ${String(error)}`);
    },
  });
  const slots = new Map<Worker, Slot>();
  const restarts = new Set<NodeJS.Timeout>();
  const metrics = createMetricsGatherer(() => [...slots.values()].filter((slot) => slot.listening));
  let stopping = false;
  let describe: WorkerDescription | undefined;
  let starting: { resolve: () => void; reject: (error: Error) => void; left: number } | undefined;

  const fork = (shortLives: number): void => {
    // cluster.fork re-runs this process's entry (process.argv[1], with its arguments and Node flags).
    const worker = cluster.fork();
    const channel = createWorkerChannel(worker);
    const slot: Slot = { worker, channel, startedAt: Date.now(), listening: false, shortLives, detach: [] };
    slots.set(worker, slot);
    if (options.metadata) slot.detach.push(serveMetadataStore(options.metadata, channel));
    slot.detach.push(feed.addChannel(channel));
    slot.detach.push(channel.onMessage((message) => onMessage(slot, message)));
    worker.once('exit', (code, signal) => onExit(slot, code, signal));
  };

  const onMessage = (slot: Slot, message: unknown): void => {
    if (!isClusterMessage(message)) return;
    const send = (answer: ClusterMessage) => sendQuietly(slot.channel, answer);
    switch (message.signetCluster) {
      case 'hello':
        send({ signetCluster: 'setup', setup });
        return;
      case 'listening':
        slot.listening = true;
        describe ??= message.describe;
        if (starting && --starting.left === 0) starting.resolve();
        return;
      case 'failed': {
        const error = new WorkerStartError(message.code ?? 'WORKER_FAILED', message.message);
        if (starting) starting.reject(error);
        else options.log(`signet serve: worker ${slot.worker.id} could not start: ${message.message}`);
        return;
      }
      case 'metrics.request':
        metrics.gather().then(
          (answer) => send({ signetCluster: 'metrics.answer', id: message.id, ...answer }),
          (error: unknown) => {
            options.log(`signet serve: could not sum the workers' metrics: ${String(error)}`);
            send({ signetCluster: 'metrics.answer', id: message.id, error: String(error) });
          },
        );
        return;
      case 'metrics.collected':
        metrics.collected(message.id, slot, message.metrics);
        return;
      default:
        return;
    }
  };

  const onExit = (slot: Slot, code: number | null, signal: string | null): void => {
    for (const detach of slot.detach) detach();
    slots.delete(slot.worker);
    if (stopping) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (starting) {
      starting.reject(new WorkerStartError('WORKER_FAILED', `A worker ${how} before it listened.`));
      return;
    }
    const { shortLives, delay } = planRestart(Date.now() - slot.startedAt, slot.shortLives);
    options.log(
      `signet serve: worker ${slot.worker.id} (pid ${slot.worker.process.pid}) ${how}; starting another${delay ? ` in ${delay / 1000} s` : ''}.`,
    );
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) fork(shortLives);
    }, delay);
    restarts.add(timer);
  };

  const close = async (): Promise<void> => {
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    restarts.clear();
    const running = [...slots.values()];
    const exited = running.map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.worker.isDead()) resolve();
          else slot.worker.once('exit', () => resolve());
        }),
    );
    for (const slot of running) {
      // A worker still starting serves nothing yet, and may not be listening for `stop`: it goes at once.
      if (slot.listening) sendQuietly(slot.channel, { signetCluster: 'stop' });
      else if (!slot.worker.isDead()) slot.worker.process.kill('SIGKILL');
    }
    const deadline = setTimeout(() => {
      for (const slot of running) if (!slot.worker.isDead()) slot.worker.process.kill('SIGKILL');
    }, options.setup.shutdownTimeoutMs + 5_000);
    await Promise.all(exited);
    clearTimeout(deadline);
    await feed.close();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = options.startTimeoutMs ?? 60_000;
      const timer = setTimeout(
        () =>
          reject(new WorkerStartError('WORKER_FAILED', `The workers did not all listen within ${timeoutMs / 1000} s.`)),
        timeoutMs,
      );
      starting = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
        left: options.workers,
      };
      for (let i = 0; i < options.workers; i++) fork(0);
    });
  } catch (error) {
    starting = undefined;
    await close();
    throw error;
  }
  starting = undefined;
  let closing: Promise<void> | undefined;
  return {
    port,
    describe,
    workerPids: () => [...slots.values()].flatMap((slot) => (slot.worker.process.pid ? [slot.worker.process.pid] : [])),
    close: () => (closing ??= close()),
  };
}

/**
 * When to start the next worker after one died: at once after a long life; after a short one (< 10 s), 0.5 s, then
 * doubling with each short life in a row up to 30 s, so a worker that cannot start does not spin a core.
 */
export function planRestart(livedMs: number, shortLivesBefore: number): { shortLives: number; delay: number } {
  const shortLives = livedMs < SHORT_LIFE_MS ? shortLivesBefore + 1 : 0;
  const delay = shortLives === 0 ? 0 : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (shortLives - 1));
  return { shortLives, delay };
}

/**
 * The port the workers will share: the given one, or the one the system picks for 0, found by listening once here.
 * With 0 each fork would otherwise share a port only while one worker holds it, and a busy or privileged port is
 * refused here, before any worker starts (EADDRINUSE, EACCES, EADDRNOTAVAIL, as a listen throws them).
 */
async function findPort(host: string, port: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  const found = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return found;
}

function sendQuietly(channel: MessageChannelLike, message: ClusterMessage): void {
  try {
    channel.send(message);
  } catch {
    // That worker has exited; it is restarted, and a new one asks again.
  }
}

/** Asks every listening worker for its metrics and sums them (prom-client's cluster aggregation). */
function createMetricsGatherer(listening: () => Slot[]) {
  const pending = new Map<number, { answers: Map<Slot, MetricsJson>; expected: number; done: () => void }>();
  let nextId = 0;
  return {
    async gather(): Promise<{ text: string; contentType: string }> {
      const id = nextId++;
      const slots = listening();
      const answers = new Map<Slot, MetricsJson>();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, METRICS_TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        pending.set(id, { answers, expected: slots.length, done });
        for (const slot of slots) sendQuietly(slot.channel, { signetCluster: 'metrics.collect', id });
        if (slots.length === 0) done();
      });
      pending.delete(id);
      const registry = AggregatorRegistry.aggregate([...answers.values()]);
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
    collected(id: number, slot: Slot, metrics: MetricsJson): void {
      const gathering = pending.get(id);
      if (!gathering || !Array.isArray(metrics)) return;
      gathering.answers.set(slot, metrics);
      if (gathering.answers.size >= gathering.expected) gathering.done();
    },
  };
}
