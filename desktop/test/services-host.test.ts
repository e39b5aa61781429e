// Main's services client and the services host's loop, joined by a real MessagePort (in Electron, the
// utilityProcess's port) and running the real services on a temporary data folder. Only safeStorage, which is
// Electron's, is a stand-in.
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeStorageVault } from '../src/main/safe-storage-vault';
import { createServicesClient, type HostProcess } from '../src/main/services-client';
import { runServicesHost } from '../src/main/services-host-loop';
import type { ToHostMessage } from '../src/main/services-protocol';
import { BASIC_TEXT_REASON, createServices, dispatch } from '../src/services';

let dataDir: string;
const hosts: FakeUtilityProcess[] = [];

/** A utilityProcess whose "process" is the host loop on the other end of a MessageChannel. */
class FakeUtilityProcess extends EventEmitter implements HostProcess {
  private readonly channel = new MessageChannel();
  exited = false;
  received: ToHostMessage[] = [];

  constructor() {
    super();
    this.channel.port1.on('message', (message) => this.emit('message', message));
    const hostPort = {
      postMessage: (message: unknown) => this.channel.port2.postMessage(message),
      on: (_event: 'message', listener: (event: { data: unknown }) => void) =>
        this.channel.port2.on('message', (data) => {
          this.received.push(data as ToHostMessage);
          listener({ data });
        }),
    };
    runServicesHost(
      hostPort,
      async ({ dataDir: folder, vault }) => {
        const services = await createServices({ dataDir: folder, vault, mode: 'electron' });
        return {
          dispatch: (channel, input) => dispatch(services.handlers, channel, input),
          close: () => services.close(),
        };
      },
      () => this.exit(0),
    );
  }

  override on(event: string, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }
  postMessage(message: ToHostMessage): void {
    this.channel.port1.postMessage(message);
  }
  exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.channel.port1.close();
    this.emit('exit', code);
  }
  kill(): boolean {
    this.exit(143);
    return true;
  }
}

function basicTextSafeStorage() {
  return {
    getSelectedStorageBackend: () => 'basic_text' as const,
    isAsyncEncryptionAvailable: () => Promise.resolve(true),
    encryptStringAsync: () => Promise.reject(new Error('not reached')),
    decryptStringAsync: () => Promise.reject(new Error('not reached')),
  };
}

function createClient() {
  return createServicesClient({
    spawn: () => {
      const host = new FakeUtilityProcess();
      hosts.push(host);
      return host;
    },
    dataDir,
    vault: createSafeStorageVault(basicTextSafeStorage(), 'linux'),
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'signet-services-host-'));
});

afterAll(async () => {
  for (const host of hosts) host.kill();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the services host', () => {
  it('starts on the first call, on main’s data folder, and answers with the services’ envelope', async () => {
    const client = createClient();
    const info = await client.call('appInfo', {});
    expect(info).toEqual({
      ok: true,
      value: expect.objectContaining({
        mode: 'electron',
        dataDir,
        // Asked of main's vault across the bridge: basic_text is refused, with the reason.
        secretStorage: { backend: 'basic_text', available: false, reason: BASIC_TEXT_REASON },
      }),
    });
    expect(await client.call('keysList', {})).toEqual({ ok: true, value: [] });
    expect(hosts).toHaveLength(1);
    expect(hosts[0]?.received[0]).toEqual({ kind: 'init', dataDir });
    await client.stop();
    expect(hosts[0]?.exited).toBe(true);
  });

  it('answers many calls concurrently, each with its own result', async () => {
    const client = createClient();
    const results = await Promise.all([
      client.call('keysList', {}),
      client.call('keysPublicKey', { keyId: '0123456789ABCDEF' }),
      client.call('registriesList', {}),
    ]);
    expect(results[0]).toEqual({ ok: true, value: [] });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(results[2]).toMatchObject({ ok: true, value: [expect.objectContaining({ builtIn: true, name: 'Local' })] });
    await client.stop();
  });

  it('answers the calls in flight with INTERNAL when the host dies, and starts a new one on the next call', async () => {
    const client = createClient();
    expect(await client.call('keysList', {})).toMatchObject({ ok: true });
    const dying = hosts[hosts.length - 1];
    const inFlight = client.call('keysList', {});
    dying?.exit(1);
    expect(await inFlight).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('stopped (exit code 1)') },
    });
    const before = hosts.length;
    expect(await client.call('keysList', {})).toMatchObject({ ok: true });
    expect(hosts.length).toBe(before + 1);
    await client.stop();
  });
});
