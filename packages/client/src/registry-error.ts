import type { ErrorEntry } from '@signet/api';
import { SignetError } from '@signet/core';

/**
 * The client's own error codes, besides the registry's (API_ERROR_CODES) that a RegistryError carries:
 * - REGISTRY_UNREACHABLE: no connection (refused, DNS, TLS), or it broke and retries did not help.
 * - REGISTRY_TIMEOUT: connected, but no answer, or no byte of it, within the timeout.
 * - RESPONSE_INVALID: an answer that is not the API's (a redirect, an HTML page, JSON of another shape).
 */
export const CLIENT_ERROR_CODES = ['REGISTRY_UNREACHABLE', 'REGISTRY_TIMEOUT', 'RESPONSE_INVALID'] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** One entry of a registry error body. */
export type RegistryErrorEntry = ErrorEntry;

/**
 * The name printed after a status whose number alone tells a reader little. 507 above all: it is rare, it is not
 * the client's fault, and retrying does not help until the registry's operator has made room (the registry's own
 * message, STORAGE_FULL, says so; a proxy's 507 may come with no body at all).
 */
const STATUS_NAMES: Readonly<Record<number, string>> = { 507: 'Insufficient Storage' };

/** The registry answered 4xx/5xx. `errors` is its `{"errors":[…]}` body (validator problems on a 422). */
export class RegistryError extends SignetError {
  readonly status: number;
  readonly errors: RegistryErrorEntry[];

  constructor(status: number, errors: RegistryErrorEntry[], what: string) {
    const first = errors[0];
    const name = STATUS_NAMES[status];
    const said = first ? errors.map((e) => e.message).join(' ') : undefined;
    const text =
      name === undefined
        ? `${status} ${said ?? 'with no error body'}`
        : `${status} ${name}: ${said ?? 'no error body'}`;
    super(first?.code ?? `HTTP_${status}`, `${what}: ${text}`);
    this.status = status;
    this.errors = errors;
  }
}

/** A failure of the client's own, with one of CLIENT_ERROR_CODES. */
export function createClientError(code: ClientErrorCode, message: string, cause?: unknown): SignetError {
  return new SignetError(code, message, cause === undefined ? undefined : { cause });
}
