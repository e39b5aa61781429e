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

/** The registry answered 4xx/5xx. `errors` is its `{"errors":[…]}` body (validator problems on a 422). */
export class RegistryError extends SignetError {
  readonly status: number;
  readonly errors: RegistryErrorEntry[];

  constructor(status: number, errors: RegistryErrorEntry[], what: string) {
    const first = errors[0];
    super(
      first?.code ?? `HTTP_${status}`,
      `${what}: ${status} ${first ? errors.map((e) => e.message).join(' ') : 'with no error body'}`,
    );
    this.status = status;
    this.errors = errors;
  }
}

/** A failure of the client's own, with one of CLIENT_ERROR_CODES. */
export function createClientError(code: ClientErrorCode, message: string, cause?: unknown): SignetError {
  return new SignetError(code, message, cause === undefined ? undefined : { cause });
}
