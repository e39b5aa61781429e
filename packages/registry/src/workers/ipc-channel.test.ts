// The IPC adapters on a real cluster worker (the fixture echoes through createProcessChannel): messages cross both
// ways with `undefined` kept (the cluster's 'advanced' serialization), an unsubscribed handler hears nothing more,
// several handlers share a channel, and a send on a closed channel throws IpcChannelClosedError on either side.
import cluster, { type Worker } from 'node:cluster';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import {
  createProcessChannel,
  createWorkerChannel,
  IpcChannelClosedError,
  type MessageChannelLike,
} from './ipc-channel';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'ipc-channel.fixture.ts');
const TSX_LOADER = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

const started: Worker[] = [];

afterEach(() => {
  for (const worker of started.splice(0)) if (!worker.isDead()) worker.process.kill('SIGKILL');
});

async function startEchoWorker(): Promise<{ worker: Worker; channel: MessageChannelLike }> {
  cluster.setupPrimary({ exec: FIXTURE, args: [], execArgv: ['--import', TSX_LOADER], serialization: 'advanced' });
  const worker = cluster.fork();
  started.push(worker);
  const channel = createWorkerChannel(worker);
  await next(channel, 'ready');
  return { worker, channel };
}

/** The next message of `kind` on `channel` (others, such as cluster's own, are skipped). */
function next(channel: MessageChannelLike, kind: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`No ${kind} message within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = channel.onMessage((message) => {
      if ((message as { kind?: unknown }).kind !== kind) return;
      clearTimeout(timer);
      off();
      resolve(message as Record<string, unknown>);
    });
  });
}

describe('cluster IPC channels', () => {
  it('carries messages both ways, undefined fields included, to every handler until it unsubscribes', async () => {
    const { channel } = await startEchoWorker();
    const value = { id: 'a', replaced: undefined, list: [1, undefined, 'x'] };
    const echoed = next(channel, 'echoed');
    channel.send({ kind: 'echo', value });
    const answer = await echoed;
    expect(answer.value).toStrictEqual(value);
    expect(Object.hasOwn(answer.value as object, 'replaced')).toBe(true);

    // The worker's second handler still answers after its first one unsubscribed.
    channel.send({ kind: 'mute' });
    const pong = next(channel, 'pong');
    channel.send({ kind: 'ping' });
    await pong;
    const heard: unknown[] = [];
    const off = channel.onMessage((message) => heard.push(message));
    channel.send({ kind: 'echo', value: 'nobody echoes this' });
    const pong2 = next(channel, 'pong');
    channel.send({ kind: 'ping' });
    await pong2;
    expect(heard).toEqual([{ kind: 'pong' }]); // no echo: the muted handler heard nothing more
    off();
  }, 60_000);

  it('throws IpcChannelClosedError on send once the other side is gone, on either side', async () => {
    const { worker, channel } = await startEchoWorker();
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.disconnect();
    // The worker's own send after the primary disconnected threw IpcChannelClosedError (exit 7).
    expect(await exited).toBe(7);
    expect(() => channel.send({ kind: 'echo', value: 1 })).toThrow(IpcChannelClosedError);
  }, 60_000);

  it('refuses a process without an IPC channel', () => {
    const noIpc = { connected: false, on: () => undefined, off: () => undefined };
    expect(() => createProcessChannel(noIpc)).toThrow(/Expected a process started with an IPC channel/);
  });
});
