// The services host's message loop, apart from the utilityProcess entry so it runs in a test: wait for
// `init`, start the services on that data folder with a vault that asks main, answer every `call` with the
// services' envelope. Calls run concurrently; each answer carries its call's id.
import type { Channel, Result } from '../shared/api';
import type { SecretVault } from '../services/secret-vault';
import { createVaultProxy } from './secret-vault-bridge';
import { isToHostMessage, type FromHostMessage } from './services-protocol';

/** What the host needs of its port to main (`process.parentPort` in a utilityProcess). */
export interface ParentPort {
  postMessage(message: FromHostMessage): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** Running services: the one function that answers a channel's input with an envelope, and their close. */
export interface HostedServices {
  dispatch(channel: Channel, input: unknown): Promise<Result<unknown>>;
  close(): Promise<void>;
}

export type StartServices = (options: { dataDir: string; vault: SecretVault }) => Promise<HostedServices>;

/** Runs the host on `port`; `exit` ends the process once `stop` has closed the services. */
export function runServicesHost(port: ParentPort, startServices: StartServices, exit: () => void): void {
  const proxy = createVaultProxy((request) => port.postMessage(request));
  let services: ReturnType<StartServices> | null = null;

  const answer = async (id: number, channel: Channel, input: unknown): Promise<void> => {
    let result: Result<unknown>;
    try {
      if (services === null) throw new Error('the services host was not initialised');
      result = await (await services).dispatch(channel, input);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown error';
      result = {
        ok: false,
        error: { code: 'INTERNAL', message: `${channel} failed in the services host: ${message}` },
      };
    }
    port.postMessage({ kind: 'result', id, result });
  };

  const stop = async (): Promise<void> => {
    try {
      await (await services)?.close();
    } catch (error) {
      console.error(`Signet services did not close cleanly: ${error instanceof Error ? error.message : String(error)}`);
    }
    exit();
  };

  port.on('message', ({ data }) => {
    if (!isToHostMessage(data)) return;
    if (data.kind === 'init' && services === null) {
      services = startServices({ dataDir: data.dataDir, vault: proxy.vault });
      services.catch((error: unknown) => {
        console.error(`Signet services did not start: ${error instanceof Error ? error.message : String(error)}`);
      });
    } else if (data.kind === 'call') void answer(data.id, data.channel, data.input);
    else if (data.kind === 'vault-answer') proxy.receive(data);
    else if (data.kind === 'stop') void stop();
  });
}
