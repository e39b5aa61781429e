// A MetadataStore in another process. The embedded SQLite store can be open in one process only (an EXCLUSIVE lock
// and the owner lock), so the process that owns it serves it over a message channel and every other process
// (`signet serve --workers N`) holds a handle whose every call runs on the owner. The calls of all handles are
// then calls on the one store, which keeps its guarantees (one publish wins, the quota holds, leases freeze files).

import { randomUUID } from 'node:crypto';

import { StoreUnavailableError } from './errors';
import type { MetadataStore } from './metadata-store';
import {
  decodeError,
  decodeValue,
  encodeError,
  encodeValue,
  isStoreMessage,
  storeAnswerSchema,
  storeCallSchema,
  STORE_MESSAGE_TAG as TAG,
} from './remote-store-wire';

/** What carries messages between two processes (or two ends in one process): cluster Worker / process IPC, a worker_threads MessagePort, … */
export interface MessageChannelLike {
  send(message: unknown): void;
  /** Subscribes; returns the unsubscribe function. Messages not meant for this module must be ignored (the channel is shared). */
  onMessage(handler: (message: unknown) => void): () => void;
}

/** How long a handle waits for the owner's answer before it calls the owner unreachable. */
const DEFAULT_TIMEOUT_MS = 30_000;
const MISMATCH =
  'Expected a metadata store message of this Signet version from the other process, found one of another shape; run the same Signet version in every process of the registry.';

type ForwardedMethod = Exclude<keyof MetadataStore, 'close'>;
/** Every method a handle forwards: all of MetadataStore but `close`, which only detaches the handle. */
const FORWARDED_METHODS = [
  'createNamespace',
  'getNamespace',
  'listNamespaces',
  'createToken',
  'findTokenBySecretHash',
  'listTokens',
  'revokeToken',
  'addKey',
  'getKey',
  'listKeys',
  'deleteKey',
  'createProvider',
  'getProvider',
  'listProviders',
  'createVersion',
  'getVersion',
  'listVersions',
  'listVersionsWithFiles',
  'deleteDraft',
  'putFile',
  'deleteFile',
  'listFiles',
  'sumDraftBytes',
  'isBlobReferenced',
  'beginPublish',
  'abortPublish',
  'publishVersion',
  'setDeprecation',
  'setYanked',
] as const satisfies readonly ForwardedMethod[];
type Unforwarded = Exclude<ForwardedMethod, (typeof FORWARDED_METHODS)[number]>;
// The other half of "equal": a method added to MetadataStore fails to compile here, by name, until it is listed.
const _everyMethodForwarded: [Unforwarded] extends [never] ? true : Unforwarded = true;
const FORWARDED = new Set<string>(FORWARDED_METHODS);

/** Owner side: answers calls arriving on `channel` by running them on `store`. Returns a function that stops serving (pending calls still answer). */
export function serveMetadataStore(store: MetadataStore, channel: MessageChannelLike): () => void {
  const answer = async (id: string, run: () => Promise<unknown>) => {
    let message: unknown;
    try {
      message = { signet: TAG, id, ok: true, value: encodeValue(await run()) };
    } catch (error) {
      message = { signet: TAG, id, ok: false, error: encodeError(error) };
    }
    try {
      channel.send(message);
    } catch {
      // The handle's process is gone: nobody waits for this answer any more.
    }
  };
  return channel.onMessage((message) => {
    if (!isStoreMessage(message) || !('method' in message) || typeof message.id !== 'string') return; // not a call
    const call = storeCallSchema.safeParse(message);
    if (!call.success) {
      void answer(message.id, () => Promise.reject(new Error(MISMATCH)));
      return;
    }
    const { id, method, args } = call.data;
    void answer(id, async () => {
      if (!FORWARDED.has(method)) {
        throw new Error(
          `Expected a MetadataStore method (${FORWARDED_METHODS.join(', ')}), found ${JSON.stringify(method)}; run the same Signet version in every process of the registry.`,
        );
      }
      const decoded = decodeValue(args);
      if (!Array.isArray(decoded)) throw new Error(`Expected the arguments of ${method} as an array.`);
      const values: unknown[] = decoded;
      // A method call on the store (never detached from it): a store may be a class whose methods use `this`.
      const methods = store as unknown as Record<ForwardedMethod, (...values: unknown[]) => Promise<unknown>>;
      return methods[method as ForwardedMethod](...values);
    });
  });
}

interface PendingCall {
  method: ForwardedMethod;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * Handle side: a MetadataStore whose methods run on the owner. `close()` only detaches this handle (never closes the
 * owner's store); calls after close reject. Options: timeoutMs (default 30 s) → StoreUnavailableError naming the
 * owner as unreachable.
 *
 * A call the owner does not answer in time may still run there (its answer is dropped): unlike a refused
 * connection, a timeout cannot promise that nothing was stored. A channel whose `send` throws (the owner is gone)
 * fails the call at once.
 */
export function connectMetadataStore(channel: MessageChannelLike, options: { timeoutMs?: number } = {}): MetadataStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
    throw new RangeError(`Expected timeoutMs between 1 and ${2 ** 31 - 1}, found ${timeoutMs}.`);
  }
  // Several handles may share one channel: each picks out the answers to its own calls.
  const handleId = randomUUID();
  const pending = new Map<string, PendingCall>();
  let nextId = 0;
  let closed = false;

  const unsubscribe = channel.onMessage((message) => {
    if (!isStoreMessage(message) || !('ok' in message) || typeof message.id !== 'string') return; // not an answer
    const call = pending.get(message.id);
    if (!call) return; // another handle's, or one that timed out
    pending.delete(message.id);
    clearTimeout(call.timer);
    const parsed = storeAnswerSchema.safeParse(message);
    try {
      if (!parsed.success) call.reject(new Error(MISMATCH));
      else if (parsed.data.ok) call.resolve(decodeValue(parsed.data.value));
      else call.reject(decodeError(parsed.data.error));
    } catch (error) {
      call.reject(error);
    }
  });

  const forward = (method: ForwardedMethod, args: unknown[]): Promise<unknown> => {
    if (closed) {
      return Promise.reject(
        new Error(`This remote metadata store handle is closed; connect a new one to call ${method}.`),
      );
    }
    const id = `${handleId}:${nextId++}`;
    let message: unknown;
    try {
      message = { signet: TAG, id, method, args: encodeValue(args) };
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(
          new StoreUnavailableError(
            `Expected the process that owns the metadata store to answer ${method} within ${timeoutMs} ms, found no answer; it has stopped or is overloaded: check the primary signet serve process.`,
          ),
        );
      }, timeoutMs);
      pending.set(id, { method, resolve, reject, timer });
      try {
        channel.send(message);
      } catch (error) {
        pending.delete(id);
        clearTimeout(timer);
        reject(
          new StoreUnavailableError(
            `Expected to reach the process that owns the metadata store, found its channel closed (${errorMessage(error)}); check the primary signet serve process.`,
            { cause: error },
          ),
        );
      }
    });
  };

  // One cast: the methods are built from the list the type system checks against MetadataStore.
  const handle = Object.fromEntries(
    FORWARDED_METHODS.map((method) => [method, (...args: unknown[]) => forward(method, args)]),
  ) as unknown as MetadataStore;
  handle.close = () => {
    if (!closed) {
      closed = true;
      unsubscribe();
      for (const call of pending.values()) {
        clearTimeout(call.timer);
        call.reject(
          new Error(`This remote metadata store handle was closed before the owner answered ${call.method}.`),
        );
      }
      pending.clear();
    }
    return Promise.resolve();
  };
  return handle;
}

/** Both ends in one process, for tests and for the contract suite (a MessageChannel from node:worker_threads underneath, or a pair of in-memory emitters). */
export function createChannelPair(): [MessageChannelLike, MessageChannelLike] {
  // In-memory ends: each message is copied with structured clone (what a MessagePort and cluster's 'advanced'
  // serialization do) and delivered on a later turn of the event loop, as IPC delivers it. Unlike a MessagePort,
  // nothing here keeps the process alive or needs closing.
  const handlers = [new Set<(message: unknown) => void>(), new Set<(message: unknown) => void>()] as const;
  const end = (own: Set<(message: unknown) => void>, other: Set<(message: unknown) => void>): MessageChannelLike => ({
    send(message) {
      const copy = structuredClone(message);
      setImmediate(() => {
        for (const handler of [...other]) handler(copy);
      });
    },
    onMessage(handler) {
      own.add(handler);
      return () => own.delete(handler);
    },
  });
  return [end(handlers[0], handlers[1]), end(handlers[1], handlers[0])];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
