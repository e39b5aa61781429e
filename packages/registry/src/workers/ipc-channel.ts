// The cluster's IPC channels as the `MessageChannelLike` the remote metadata store and the channel change feed speak
// (storage/remote-metadata-store.ts, change-feed/channel-change-feed.ts): one channel per worker in the primary
// (`Worker`), and the one to the primary in a worker (`process`). Several protocols share each channel, so every
// handler sees every message and ignores what is not its own. `send` on a channel that has closed (the other side
// exited) throws `IpcChannelClosedError`, so a store call fails at once instead of waiting for its timeout; a send
// that fails later, while the message is under way, is dropped (the caller's timeout covers it).
import type { Worker } from 'node:cluster';

import { SignetError } from '@signet/core';

import type { MessageChannelLike } from '../storage/remote-metadata-store';

export type { MessageChannelLike };

/** `send` on an IPC channel whose other end has gone (the worker exited, or the primary). */
export class IpcChannelClosedError extends SignetError {
  constructor(to: string) {
    super('IPC_CHANNEL_CLOSED', `Expected the IPC channel to ${to} to be open, found it closed (the process exited).`);
  }
}

/** The primary's side of one worker's IPC channel. */
export function createWorkerChannel(worker: Worker): MessageChannelLike {
  return {
    send(message) {
      if (!worker.isConnected()) throw new IpcChannelClosedError(`worker ${worker.id}`);
      // With a callback, a failed send (the worker just exited) is reported there instead of as an 'error' event.
      worker.send(message as Parameters<Worker['send']>[0], () => {});
    },
    onMessage(handler) {
      const listener = (message: unknown) => handler(message);
      worker.on('message', listener);
      return () => worker.off('message', listener);
    },
  };
}

/** What `createProcessChannel` needs of `process`: a child's IPC channel (tests pass a stand-in). */
export interface IpcProcess {
  readonly connected: boolean;
  send?:
    | ((message: unknown, sendHandle: undefined, options: object, callback: (error: Error | null) => void) => boolean)
    | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** A worker's side of its IPC channel to the primary. */
export function createProcessChannel(proc: IpcProcess = process): MessageChannelLike {
  if (!proc.send) {
    throw new Error('Expected a process started with an IPC channel (a cluster worker), found none.');
  }
  const send = proc.send.bind(proc);
  return {
    send(message) {
      if (!proc.connected) throw new IpcChannelClosedError('the primary');
      send(message, undefined, {}, () => {});
    },
    onMessage(handler) {
      const listener = (message: unknown) => handler(message);
      proc.on('message', listener);
      return () => proc.off('message', listener);
    },
  };
}
