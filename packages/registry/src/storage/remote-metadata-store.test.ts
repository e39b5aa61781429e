import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { SignetError } from '@signet/core';
import { afterEach, describe, expect, it } from 'vitest';

import { examplePreparedDocument, runMetadataStoreContract } from './contract/metadata-store-contract';
import {
  BlobTooLargeError,
  StoreConflictError,
  StoreFullError,
  StoreLockedError,
  StoreNotFoundError,
  StoreQuotaError,
  StoreSchemaError,
  StoreUnavailableError,
} from './errors';
import { createMemoryMetadataBackend, openMemoryMetadataStore } from './memory-metadata-store';
import type { MetadataStore } from './metadata-store';
import {
  connectMetadataStore,
  createChannelPair,
  serveMetadataStore,
  type MessageChannelLike,
} from './remote-metadata-store';
import { decodeValue, encodeValue } from './remote-store-wire';

/** A pair whose every message goes through JSON, as cluster IPC with `serialization: 'json'` carries it. */
function createJsonChannelPair(): [MessageChannelLike, MessageChannelLike] {
  const viaJson = (end: MessageChannelLike): MessageChannelLike => ({
    send: (message) => end.send(JSON.parse(JSON.stringify(message))),
    onMessage: (handler) => end.onMessage(handler),
  });
  const [a, b] = createChannelPair();
  return [viaJson(a), viaJson(b)];
}

const PAIRS = { 'structured clone': createChannelPair, JSON: createJsonChannelPair } as const;

// Every store of the suite is a handle; each serves from its own memory store on one backend, the way workers
// would reach owners on one database. Passing the whole contract shows the forwarding hides nothing: every
// method, every record shape, every error class the suite checks.
for (const [serialization, pair] of Object.entries(PAIRS)) {
  runMetadataStoreContract(`remote handle → memory (${serialization})`, {
    capabilities: { twoHandles: true, reopen: true, clock: true },
    open: async ({ now }) => {
      const backend = createMemoryMetadataBackend();
      const owners: { store: MetadataStore; stop: () => void }[] = [];
      const connect = async (clock?: () => Date) => {
        const owner = await openMemoryMetadataStore({ backend, ...(clock && { now: clock }) });
        const [ownerEnd, handleEnd] = pair();
        owners.push({ store: owner, stop: serveMetadataStore(owner, ownerEnd) });
        return connectMetadataStore(handleEnd);
      };
      return {
        store: await connect(now),
        openHandle: () => connect(),
        dispose: async () => {
          for (const owner of owners) {
            owner.stop();
            await owner.store.close();
          }
        },
      };
    },
  });
}

/** An owner and a handle on one channel pair; closed after each test. */
const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close();
});
async function connectToMemory(
  pair: () => [MessageChannelLike, MessageChannelLike] = createChannelPair,
  store?: MetadataStore,
) {
  const owner = store ?? (await openMemoryMetadataStore({ now: () => new Date('2026-12-04T10:00:00.000Z') }));
  const [ownerEnd, handleEnd] = pair();
  const stop = serveMetadataStore(owner, ownerEnd);
  const handle = connectMetadataStore(handleEnd, { timeoutMs: 2_000 });
  opened.push(async () => {
    await handle.close();
    stop();
    await owner.close();
  });
  return { owner, handle, ownerEnd, handleEnd, stop };
}

/** A memory store whose `getNamespace` throws `error`: the owner's store failing the way a backend fails. */
async function storeThrowing(error: Error): Promise<MetadataStore> {
  const store = await openMemoryMetadataStore();
  return { ...store, getNamespace: () => Promise.reject(error) };
}

/** Resolves once `channel` has carried a message that passes `test`. */
function nextMessage(channel: MessageChannelLike, test: (message: unknown) => boolean): Promise<unknown> {
  return new Promise((resolve) => {
    const unsubscribe = channel.onMessage((message) => {
      if (!test(message)) return;
      unsubscribe();
      resolve(message);
    });
  });
}

describe.each(Object.entries(PAIRS))('a remote handle over %s', (_serialization, pair) => {
  it('returns records strictly equal to those read on the owner, undefined members included', async () => {
    const { owner, handle } = await connectToMemory(pair);
    await owner.createNamespace({ name: 'acme', visibility: 'private' });
    await owner.createToken({ id: 't1', name: 'ci', secretHash: 'a'.repeat(64), role: 'read', namespaces: ['acme'] });
    await owner.revokeToken('t1');
    await owner.addKey({
      namespace: 'acme',
      keyId: '0123456789ABCDEF',
      fingerprint: 'F'.repeat(40),
      asciiArmor: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n',
      source: 'ACME',
    });
    await owner.createProvider({ namespace: 'acme', type: 'hello' });
    for (const version of ['1.0.0', '0.9.0']) {
      await owner.createVersion({ namespace: 'acme', type: 'hello', version, protocols: ['5.0'], keyId: 'K' });
    }
    await owner.putFile('acme', 'hello', '1.0.0', { fileName: 'a.zip', sha256: 'a'.repeat(64), size: 10 });
    await owner.publishVersion('acme', 'hello', '1.0.0', examplePreparedDocument());
    await owner.setDeprecation('acme', 'hello', '1.0.0', 'Use 2.x: "ünïcødé" \\ ✓');

    const reads = (store: MetadataStore) =>
      Promise.all([
        store.listNamespaces(),
        store.listTokens(),
        store.findTokenBySecretHash('a'.repeat(64)),
        store.listKeys('acme'),
        store.listVersionsWithFiles('acme', 'hello'),
        store.getVersion('acme', 'hello', '0.9.0'),
        store.getNamespace('nobody'),
        store.sumDraftBytes('acme'),
        store.isBlobReferenced('a'.repeat(64)),
      ]);
    expect(await reads(handle)).toStrictEqual(await reads(owner));

    // `replaced: undefined` is a member of the result, which JSON alone would drop.
    expect(
      await handle.putFile('acme', 'hello', '0.9.0', { fileName: 'b.zip', sha256: 'b'.repeat(64), size: 3 }),
    ).toStrictEqual({
      file: { fileName: 'b.zip', sha256: 'b'.repeat(64), size: 3, uploadedAt: '2026-12-04T10:00:00.000Z' },
      replaced: undefined,
    });
    expect(await handle.deleteFile('acme', 'hello', '0.9.0', 'missing.zip')).toBeUndefined();
    expect(await handle.deleteDraft('acme', 'hello', '1.0.0')).toStrictEqual({ deleted: false });
  });

  it('throws the owner store errors as the same classes, with their codes, messages and fields', async () => {
    const { owner, handle } = await connectToMemory(pair);
    await owner.createNamespace({ name: 'acme', visibility: 'public' });
    const fromOwner = async (call: (store: MetadataStore) => Promise<unknown>) => {
      const direct = await call(owner).then(
        () => undefined,
        (error: unknown) => error,
      );
      const remote = await call(handle).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(direct).toBeInstanceOf(SignetError);
      return { direct: direct as SignetError, remote };
    };
    const same = (
      found: { direct: SignetError; remote: unknown },
      errorClass: abstract new (...a: never[]) => Error,
    ) => {
      expect(found.remote).toBeInstanceOf(errorClass);
      expect(found.remote).toMatchObject({ code: found.direct.code, message: found.direct.message });
      return found.remote as SignetError;
    };
    same(await fromOwner((s) => s.createNamespace({ name: 'acme', visibility: 'public' })), StoreConflictError);
    same(await fromOwner((s) => s.createProvider({ namespace: 'nobody', type: 'x' })), StoreNotFoundError);
    const nul = same(await fromOwner((s) => s.getNamespace('a\0b')), SignetError);
    expect(nul.code).toBe('INPUT_INVALID');

    await owner.createProvider({ namespace: 'acme', type: 'hello' });
    await owner.createVersion({ namespace: 'acme', type: 'hello', version: '1.0.0', protocols: ['5.0'], keyId: 'K' });
    const quota = same(
      await fromOwner((s) =>
        s.putFile('acme', 'hello', '1.0.0', { fileName: 'a', sha256: 'a'.repeat(64), size: 50 }, { quotaBytes: 40 }),
      ),
      StoreQuotaError,
    );
    expect(quota).toMatchObject({ quotaBytes: 40, usedBytes: 0 });
  });

  it.each([
    [
      'a StoreUnavailableError',
      new StoreUnavailableError('PostgreSQL is down.', { retryAfterSeconds: 7 }),
      StoreUnavailableError,
      { retryAfterSeconds: 7 },
    ],
    ['a StoreLockedError', new StoreLockedError('Open by process 12.'), StoreLockedError, {}],
    ['a StoreFullError', new StoreFullError('database'), StoreFullError, { part: 'database' }],
    ['a StoreSchemaError', new StoreSchemaError('Schema 99 is newer.'), StoreSchemaError, {}],
    ['a BlobTooLargeError', new BlobTooLargeError(1024), BlobTooLargeError, { maxBytes: 1024 }],
    [
      'a SignetError of another code',
      Object.assign(new SignetError('SOME_CODE', 'Some message.'), { problems: [{ at: 'x', note: undefined }] }),
      SignetError,
      { problems: [{ at: 'x', note: undefined }] },
    ],
  ])('keeps %s from the owner with its fields', async (_name, thrown, errorClass, fields) => {
    const { handle } = await connectToMemory(pair, await storeThrowing(thrown));
    const error: unknown = await handle.getNamespace('acme').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ name: 'SignetError', code: thrown.code, message: thrown.message });
    for (const [key, value] of Object.entries(fields))
      expect((error as Record<string, unknown>)[key]).toStrictEqual(value);
  });

  it('turns an unexpected error of the owner into a plain Error with its message', async () => {
    const { handle } = await connectToMemory(pair, await storeThrowing(new TypeError('x is not a function')));
    const error: unknown = await handle.getNamespace('acme').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SignetError);
    expect((error as Error).message).toBe('x is not a function');
  });
});

describe('serveMetadataStore', () => {
  it('refuses a method name that is not a MetadataStore method, and never calls it', async () => {
    const { owner, handleEnd } = await connectToMemory();
    for (const method of ['close', 'constructor', '__proto__', 'toString', 'listEverything']) {
      const answer = nextMessage(handleEnd, (m) => (m as { id?: unknown }).id === `raw-${method}`);
      handleEnd.send({ signet: 'store', id: `raw-${method}`, method, args: { data: [], undefinedAt: [] } });
      expect(await answer).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/^Expected a MetadataStore method \(createNamespace, .*found ".*"/) },
      });
    }
    expect(await owner.listNamespaces()).toEqual([]); // 'close' did not close it
  });

  it('answers the calls already running when it stops, and no call after', async () => {
    const store = await openMemoryMetadataStore();
    let release!: () => void;
    let started!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = new Promise<void>((resolve) => (started = resolve));
    const slow: MetadataStore = {
      ...store,
      listNamespaces: () => {
        started();
        return held.then(() => store.listNamespaces());
      },
    };
    const { handle, stop } = await connectToMemory(createChannelPair, slow);
    const call = handle.listNamespaces();
    await running;
    stop();
    release();
    expect(await call).toEqual([]);
  });
});

describe('connectMetadataStore', () => {
  it('has exactly the methods of a MetadataStore', async () => {
    const { owner, handle } = await connectToMemory();
    expect(Object.keys(handle).sort()).toEqual(Object.keys(owner).sort());
  });

  it('fails a call with StoreUnavailableError, naming the owner, once the owner stopped answering', async () => {
    const owner = await openMemoryMetadataStore();
    const [ownerEnd, handleEnd] = createChannelPair();
    const stop = serveMetadataStore(owner, ownerEnd);
    const handle = connectMetadataStore(handleEnd, { timeoutMs: 50 });
    expect(await handle.listNamespaces()).toEqual([]);
    stop();
    const error: unknown = await handle.listNamespaces().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/process that owns the metadata store to answer listNamespaces/);
    await handle.close();
    await owner.close();
  });

  it('refuses a timeout that is not a positive number of milliseconds', () => {
    const [, handleEnd] = createChannelPair();
    for (const timeoutMs of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => connectMetadataStore(handleEnd, { timeoutMs })).toThrow(RangeError);
    }
  });

  it('fails a call at once with StoreUnavailableError when the channel cannot send', async () => {
    const closedChannel: MessageChannelLike = {
      send: () => {
        throw new Error('Channel closed');
      },
      onMessage: () => () => {},
    };
    const handle = connectMetadataStore(closedChannel); // default timeout: the test would time out first
    await expect(handle.listNamespaces()).rejects.toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('Channel closed') }),
    );
  });

  it('closes only the handle: the owner store and other handles go on, calls after close reject', async () => {
    const { owner, handle, handleEnd } = await connectToMemory();
    const other = connectMetadataStore(handleEnd);
    await handle.createNamespace({ name: 'acme', visibility: 'public' });
    await handle.close();
    await handle.close();
    await expect(handle.listNamespaces()).rejects.toThrow(/handle is closed/);
    expect((await owner.listNamespaces()).map((n) => n.name)).toEqual(['acme']);
    expect((await other.listNamespaces()).map((n) => n.name)).toEqual(['acme']);
    await other.close();
  });

  it('rejects its pending calls when it closes', async () => {
    const store = await openMemoryMetadataStore();
    const never: MetadataStore = { ...store, listNamespaces: () => new Promise(() => {}) };
    const { handle } = await connectToMemory(createChannelPair, never);
    const pending = handle.listNamespaces();
    await handle.close();
    await expect(pending).rejects.toThrow(/handle was closed before the owner answered listNamespaces/);
  });

  it('ignores foreign messages on the channel and the answers meant for another handle', async () => {
    const { owner, ownerEnd, handleEnd } = await connectToMemory();
    const first = connectMetadataStore(handleEnd);
    const second = connectMetadataStore(handleEnd);
    const junk = [
      null,
      'text',
      42,
      { signet: 'change', event: { kind: 'token.revoked', tokenId: 't' } },
      { signet: 'store' },
      { signet: 'store', method: 'listNamespaces' },
      { signet: 'store', id: 'x', ok: true },
      { signet: 'store', id: 'x', ok: true, value: { data: ['forged'], undefinedAt: [] } },
      { signet: 'cluster', id: 'cluster-call', method: 'listNamespaces', args: { data: [], undefinedAt: [] } },
    ];
    const answers: unknown[] = [];
    const stopListening = handleEnd.onMessage((m) => answers.push(m));
    for (const message of junk) {
      ownerEnd.send(message);
      handleEnd.send(message);
    }
    await owner.createNamespace({ name: 'acme', visibility: 'public' });
    const [a, b] = await Promise.all([first.getNamespace('acme'), second.listNamespaces()]);
    expect(a?.name).toBe('acme');
    expect(b.map((n) => n.name)).toEqual(['acme']);
    stopListening();
    // The owner answered the two real calls and none of the junk; the junk sent to the handles was dropped.
    const isAnswerFromOwner = (m: unknown) =>
      typeof m === 'object' && m !== null && 'ok' in m && (m as { id?: unknown }).id !== 'x';
    expect(answers.filter(isAnswerFromOwner)).toHaveLength(2);
    await first.close();
    await second.close();
  });

  it('refuses an argument that is not plain data, sending nothing', async () => {
    const { owner, handle } = await connectToMemory();
    await expect(
      handle.createNamespace({ name: 'acme', visibility: 'public', at: new Date() } as never),
    ).rejects.toThrow(/Expected plain data .* at \[0,"at"\], found \[object Date\]/);
    expect(await owner.listNamespaces()).toEqual([]);
  });
});

describe('the wire format of values', () => {
  it('keeps undefined members and array entries through JSON, and nothing else changes', () => {
    const value = { a: undefined, list: [1, undefined, { b: undefined, c: null }], nested: { d: 'x' } };
    expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(value))))).toStrictEqual(value);
    expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(undefined))))).toBeUndefined();
  });

  it('never follows an undefined path through a prototype (security: prototype pollution)', () => {
    for (const path of [
      ['__proto__', 'polluted'],
      ['constructor', 'prototype', 'polluted'],
      ['missing', 'x'],
    ]) {
      expect(() => decodeValue({ data: JSON.parse('{"a":1}'), undefinedAt: [path] })).toThrow(/Expected a value with/);
    }
    // JSON.parse makes `__proto__` an own member: it is followed as data, and Object.prototype stays clean.
    const decoded = decodeValue({ data: JSON.parse('{"__proto__":{"x":1}}'), undefinedAt: [['__proto__', 'x']] });
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toStrictEqual({ x: undefined });
    expect(Object.hasOwn(Object.prototype, 'x') || Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('refuses values that JSON and structured clone would carry differently', () => {
    for (const [value, found] of [
      [new Date(0), 'Date'],
      [new Uint8Array(2), 'Uint8Array'],
      [new Map(), 'Map'],
      [Number.NaN, 'Number'],
      [10n, 'BigInt'],
    ] as const) {
      expect(() => encodeValue({ list: [value] })).toThrow(`at ["list",0], found [object ${found}]`);
    }
  });
});

const SERVE_CHILD = fileURLToPath(new URL('./fixtures/serve-sqlite-store.ts', import.meta.url));
// `--import tsx` would resolve from the child's cwd; give it the loader's absolute URL.
const TSX_LOADER = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

describe.each(['json', 'advanced'] as const)(
  'handles to a SQLite store in another process (%s IPC)',
  (serialization) => {
    it(
      'run twenty concurrent publishes on the owner, one winning; a paused owner times out, a killed one fails at once',
      { timeout: 60_000 },
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'signet-remote-'));
        const child = fork(SERVE_CHILD, [join(dir, 'signet.db')], {
          execArgv: ['--import', TSX_LOADER],
          serialization,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        try {
          await once(child, 'message');
          const channel: MessageChannelLike = {
            send(message) {
              if (!child.connected) throw new Error('The owner process exited.');
              child.send(message as object);
            },
            onMessage(handler) {
              child.on('message', handler);
              return () => child.off('message', handler);
            },
          };
          const handles = [connectMetadataStore(channel, { timeoutMs: 500 }), connectMetadataStore(channel)];
          await handles[0]!.createNamespace({ name: 'acme', visibility: 'public' });
          await handles[1]!.createProvider({ namespace: 'acme', type: 'hello' });
          await handles[0]!.createVersion({
            namespace: 'acme',
            type: 'hello',
            version: '1.0.0',
            protocols: ['5.0'],
            keyId: 'K',
          });
          const put = await handles[1]!.putFile('acme', 'hello', '1.0.0', {
            fileName: 'a',
            sha256: 'a'.repeat(64),
            size: 1,
          });
          expect(put).toStrictEqual({ file: expect.objectContaining({ fileName: 'a' }), replaced: undefined });
          const winner = (i: number) => examplePreparedDocument(i.toString(16).padStart(64, '0'));
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => handles[i % 2]!.publishVersion('acme', 'hello', '1.0.0', winner(i))),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
          const [first, second] = await Promise.all(handles.map((h) => h.getVersion('acme', 'hello', '1.0.0')));
          expect(first).toStrictEqual(second);
          expect(first?.prepared).toStrictEqual(winner(results.indexOf(true)));
          await expect(handles[0]!.getNamespace('nobody')).resolves.toBeUndefined();

          child.kill('SIGSTOP');
          await expect(handles[0]!.listNamespaces()).rejects.toBeInstanceOf(StoreUnavailableError);
          child.kill('SIGCONT');
          expect((await handles[0]!.listNamespaces()).map((n) => n.name)).toEqual(['acme']); // the late answer is dropped

          child.kill('SIGKILL');
          await once(child, 'exit');
          await expect(handles[1]!.listNamespaces()).rejects.toThrow(
            expect.objectContaining({
              code: 'STORE_UNAVAILABLE',
              message: expect.stringMatching(/owner process exited/),
            }),
          );
        } finally {
          child.kill('SIGKILL');
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  },
);
