// Main's handle on the services host (a utilityProcess running services-host.ts): `call` sends a parsed
// channel input and resolves with the host's envelope; the host's vault requests are answered from main's
// safeStorage vault. If the host dies, the calls in flight get an INTERNAL envelope and the next call starts
// a fresh host. `stop` lets the host close the local registry's store before it exits.
import type { Channel, Result } from '../shared/api';
import type { SecretVault } from '../services/secret-vault';
import { answerVaultRequest } from './secret-vault-bridge';
import { isFromHostMessage, type ToHostMessage } from './services-protocol';

/** What main needs of a utilityProcess child (Electron's `UtilityProcess` has it). */
export interface HostProcess {
  postMessage(message: ToHostMessage): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface ServicesClientOptions {
  /** Starts the host (`utilityProcess.fork(hostPath, …)`). */
  spawn: () => HostProcess;
  dataDir: string;
  vault: SecretVault;
}

export interface ServicesClient {
  call(channel: Channel, input: unknown): Promise<Result<unknown>>;
  /** Asks the host to close the services and exit; kills it after `graceMs`. Resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Creates the client; the host starts on the first call. */
export function createServicesClient(options: ServicesClientOptions): ServicesClient {
  let host: HostProcess | null = null;
  let nextId = 1;
  const pending = new Map<number, { child: HostProcess; settle: (result: Result<unknown>) => void }>();

  const start = (): HostProcess => {
    const child = options.spawn();
    child.on('message', (message) => {
      if (!isFromHostMessage(message)) return;
      if (message.kind === 'result') {
        const waiter = pending.get(message.id);
        if (waiter?.child !== child) return;
        pending.delete(message.id);
        waiter.settle(message.result);
      } else {
        void answerVaultRequest(options.vault, message).then((answer) => {
          if (host === child) child.postMessage(answer);
        });
      }
    });
    child.on('exit', (code) => {
      if (host === child) host = null;
      const stopped: Result<never> = {
        ok: false,
        error: { code: 'INTERNAL', message: `The Signet services process stopped (exit code ${code}); try again.` },
      };
      for (const [id, waiter] of pending) {
        if (waiter.child !== child) continue;
        pending.delete(id);
        waiter.settle(stopped);
      }
    });
    child.postMessage({ kind: 'init', dataDir: options.dataDir });
    return child;
  };

  return {
    call(channel, input) {
      const child = (host ??= start());
      const id = nextId++;
      const result = new Promise<Result<unknown>>((settle) => pending.set(id, { child, settle }));
      child.postMessage({ kind: 'call', id, channel, input });
      return result;
    },
    stop(graceMs = 5000) {
      const child = host;
      host = null;
      if (child === null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill(), graceMs);
        child.on('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.postMessage({ kind: 'stop' });
      });
    },
  };
}
