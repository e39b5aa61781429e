// One `ipcMain.handle` per channel of the contract. Each handler checks its sender frame first (a foreign one
// is refused and never reaches the services), then parses its input (bad input is an INPUT_INVALID envelope),
// then forwards the parsed input: to a handler main keeps for itself (the native folder dialog) or to the
// services host.
import type { IpcMainInvokeEvent } from 'electron';
import { CHANNEL_NAMES, ipcChannelName, parseChannelInput, type Channel, type Result } from '../shared/api';
import type { SenderCheck } from './sender-check';

type Listener = (event: IpcMainInvokeEvent, raw: unknown) => Promise<Result<unknown>>;

export interface IpcRegistrar {
  handle(channel: string, listener: Listener): void;
}

export interface IpcHandlerOptions {
  isTrustedSender: SenderCheck;
  /** Sends a parsed input to the services host and resolves with its envelope. */
  forward: (channel: Channel, input: unknown) => Promise<Result<unknown>>;
  /** Channels main answers itself, given the parsed input and the event. */
  local?: Partial<Record<Channel, (input: unknown, event: IpcMainInvokeEvent) => Promise<Result<unknown>>>>;
}

/** The envelope a foreign sender gets. */
export function refusedSender(channel: Channel): Result<never> {
  return {
    ok: false,
    error: {
      code: 'INPUT_INVALID',
      message: `${channel}: refused: the request did not come from the Signet window (app://signet)`,
    },
  };
}

/** The handler of one channel. */
export function createIpcHandler(channel: Channel, options: IpcHandlerOptions): Listener {
  return async (event, raw) => {
    if (!options.isTrustedSender(event)) return refusedSender(channel);
    const parsed = parseChannelInput(channel, raw);
    if (!parsed.ok) return parsed;
    const local = options.local?.[channel];
    try {
      return await (local === undefined ? options.forward(channel, parsed.value) : local(parsed.value, event));
    } catch (error) {
      return {
        ok: false,
        error: {
          code: 'INTERNAL',
          message: `${channel} failed: ${error instanceof Error ? error.message : 'unknown error'}`,
        },
      };
    }
  };
}

/** Registers every channel's handler on `ipcMain`. */
export function registerIpcHandlers(ipcMain: IpcRegistrar, options: IpcHandlerOptions): void {
  for (const channel of CHANNEL_NAMES) ipcMain.handle(ipcChannelName(channel), createIpcHandler(channel, options));
}
