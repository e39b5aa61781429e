// The one door to the services for IPC and HTTP alike: raw input in, the Result envelope out. Input is parsed
// with the contract's schema; known failures become their ApiError, anything else INTERNAL with a generic
// message and a log line that names only the channel and the error (never the input: it may hold a passphrase).
import {
  CHANNEL_NAMES,
  parseChannelInput,
  type Channel,
  type ChannelArgs,
  type ChannelResults,
  type Result,
  type ServiceHandlers,
} from '../shared/api';
import { INTERNAL_ERROR, toDesktopError } from './error-mapping';
import type { ServiceLog } from './service-context';

/** True when `name` is one of the contract's channels. */
export function isChannel(name: string): name is Channel {
  return (CHANNEL_NAMES as string[]).includes(name);
}

export async function dispatch<C extends Channel>(
  handlers: ServiceHandlers,
  channel: C,
  rawInput: unknown,
  log: ServiceLog = () => {},
): Promise<Result<ChannelResults[C]>> {
  const parsed = parseChannelInput(channel, rawInput);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const args = parsed.value;
  const handler: (input: ChannelArgs<C>) => Promise<ChannelResults[C]> = handlers[channel];
  try {
    return { ok: true, value: await handler(args) };
  } catch (error) {
    const known = toDesktopError(error);
    if (known) return { ok: false, error: known.toApiError() };
    log('error', `${channel} failed unexpectedly: ${describeUnexpected(error)}`);
    return { ok: false, error: INTERNAL_ERROR };
  }
}

// The stack says where; openpgp's and Node's messages describe data, never echo it (no input goes in the log).
function describeUnexpected(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return typeof error;
}
