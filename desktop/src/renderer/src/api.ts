// The renderer's one way to the services: the preload's object under Electron, otherwise an HTTP twin with the
// same type (browser mode: `POST /api/<channel>`, authenticated by the cookie the page load set). Both are built
// from CHANNEL_NAMES, so neither can miss a channel.
import {
  CHANNEL_NAMES,
  httpChannelPath,
  type ApiError,
  type Channel,
  type ChannelInput,
  type ChannelResults,
  type Result,
  type SignetApi,
} from '../../shared/api';

async function callHttp<C extends Channel>(
  baseUrl: string,
  channel: C,
  input: ChannelInput<C>,
): Promise<Result<ChannelResults[C]>> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${httpChannelPath(channel)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input ?? {}),
    });
  } catch (error) {
    return failure('INTERNAL', `The app's server did not answer (${String(error)}); is \`pnpm desktop:web\` running?`);
  }
  try {
    return (await response.json()) as Result<ChannelResults[C]>;
  } catch {
    return failure('INTERNAL', `The app's server answered ${response.status} without a result; reload the page.`);
  }
}

function failure(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

/** The HTTP twin of the preload API, one method per channel; `baseUrl` is empty for the page's own origin. */
export function createHttpApi(baseUrl = ''): SignetApi {
  const api: Partial<Record<Channel, unknown>> = {};
  for (const channel of CHANNEL_NAMES) {
    api[channel] = (input: ChannelInput<typeof channel>) => callHttp(baseUrl, channel, input);
  }
  return api as SignetApi;
}

/** The preload's object when present (Electron), else the HTTP twin (browser mode). */
export const api: SignetApi = (typeof window === 'undefined' ? undefined : window.signet) ?? createHttpApi();

/** Thrown by `call` so React code can await a value and show the envelope's message on failure. */
export class ApiCallError extends Error {
  readonly code: ApiError['code'];

  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
  }
}

/** Calls a channel and returns its value, throwing the envelope's error as an `ApiCallError`. */
export async function call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelResults[C]> {
  const method = api[channel] as (input: ChannelInput<C>) => Promise<Result<ChannelResults[C]>>;
  const result = await method(input);
  if (!result.ok) throw new ApiCallError(result.error);
  return result.value;
}

/** An error of any kind as the envelope's shape, for display. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiCallError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
