// The one error class the desktop's services throw: a stable `code` from the contract's list and a message that
// says what was expected, what was found and the fix. Never key material, a passphrase or a token in it.
import type { ApiError, ApiErrorCode } from './api';

export class DesktopError extends Error {
  override readonly name = 'DesktopError';
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The envelope's error. */
  toApiError(): ApiError {
    return { code: this.code, message: this.message };
  }
}

/** True for a DesktopError, optionally with the given code. */
export function isDesktopError(error: unknown, code?: ApiErrorCode): error is DesktopError {
  return error instanceof DesktopError && (code === undefined || error.code === code);
}
