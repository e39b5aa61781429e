// From what the libraries throw to the envelope's ApiError: one table, so every channel says the same thing
// for the same failure. Library messages are safe to show (they promise no secrets); anything else is
// unexpected and becomes INTERNAL with a generic message, its details only in the log.
import { RegistryError, ReleaseInvalidError } from '@signet/client';
import { isSignetError } from '@signet/core';

import type { ApiError, ApiErrorCode } from '../shared/api';
import { DesktopError } from '../shared/errors';

export const INTERNAL_ERROR: ApiError = {
  code: 'INTERNAL',
  message: 'Something went wrong inside Signet; nothing was changed that the app knows of. The log has the details.',
};

// SignetError codes of the core, the client and the registry that mean something other than bad input.
const CODES: Record<string, ApiErrorCode> = {
  KEY_PASSPHRASE: 'BAD_PASSPHRASE',
  KEY_UNSUPPORTED: 'KEY_INCOMPATIBLE',
  KEY_REVOKED: 'KEY_INCOMPATIBLE',
  KEY_EXPIRED: 'KEY_INCOMPATIBLE',
  KEY_WEAK: 'KEY_INCOMPATIBLE',
  SIGNATURE_INVALID: 'KEY_INCOMPATIBLE',
  SIGNATURE_WRONG_KEY: 'KEY_INCOMPATIBLE',
  RELEASE_INVALID: 'RELEASE_INVALID',
  VERSION_PUBLISHED: 'CONFLICT',
  STORE_LOCKED: 'CONFLICT',
  PORT_IN_USE: 'CONFLICT',
  PORT_PRIVILEGED: 'INPUT_INVALID',
  REGISTRY_UNREACHABLE: 'REGISTRY_ERROR',
  REGISTRY_TIMEOUT: 'REGISTRY_ERROR',
  RESPONSE_INVALID: 'REGISTRY_ERROR',
  NAMESPACE_MISSING: 'REGISTRY_ERROR',
  KEY_MISSING: 'REGISTRY_ERROR',
  DATA_MISSING: 'REGISTRY_NOT_RUNNING',
  STORAGE_FULL: 'REGISTRY_ERROR',
};

// Codes whose library message is written for someone else (a registry's operator) and needs the app's own words
// first: here the user is the operator of the built-in registry, and the fix is on this machine.
const LEADS: Record<string, string> = {
  STORAGE_FULL:
    "The disk that holds Signet's data is full, so nothing was stored. Free space on it (or move the data folder to a larger disk), then try again.",
};

/** The DesktopError for a known failure, or undefined for an unexpected one. */
export function toDesktopError(error: unknown): DesktopError | undefined {
  if (error instanceof DesktopError) return error;
  if (error instanceof ReleaseInvalidError) return new DesktopError('RELEASE_INVALID', error.message, { cause: error });
  if (error instanceof RegistryError) {
    if (error.status === 422) {
      const problems = error.errors.map((e) => `${e.code}: ${e.message}`).join(' | ');
      return new DesktopError(
        'RELEASE_INVALID',
        `The registry refused to publish; the version stays a draft: ${problems}`,
        {
          cause: error,
        },
      );
    }
    return new DesktopError(error.status === 409 ? 'CONFLICT' : 'REGISTRY_ERROR', error.message, { cause: error });
  }
  if (isSignetError(error)) {
    const lead = LEADS[error.code];
    const message = lead === undefined ? error.message : `${lead} ${error.message}`;
    return new DesktopError(CODES[error.code] ?? 'INPUT_INVALID', message, { cause: error });
  }
  return undefined;
}
