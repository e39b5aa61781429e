/**
 * The one error class the core throws at boundaries that must stop (bad input to a function that cannot
 * return problems). `code` is stable and machine-readable; the message says what was expected, what was
 * found and the fix, and never contains key material, passphrases or tokens.
 */
export class SignetError extends Error {
  override readonly name = 'SignetError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True for a SignetError, optionally with the given code. */
export function isSignetError(error: unknown, code?: string): error is SignetError {
  return error instanceof SignetError && (code === undefined || error.code === code);
}
