import { isApiErrorCode, RegistryError, type ApiErrorCode, type ClientErrorCode } from '@signet/client';
import { isSignetError, PROBLEM_CODES } from '@signet/core';

import { EXIT, UsageError } from './context';
import { isPathMistake } from './path-mistakes';

// The exit code of a failed command, from the code of what it threw (README: 0 ok, 1 validation problems,
// 2 usage, 3 anything else). Every code that can reach the CLI is in a typed list, and the table below must
// cover all of them or it does not compile; a code in no list (a newer registry's) is "anything else".

/** Codes of the CLI itself and of the core's and the storage's errors that are not the API's. */
export const CLI_ERROR_CODES = [
  'USAGE',
  'CONFIG_INVALID',
  'KEY_PASSPHRASE',
  'KEY_MISSING',
  'NAMESPACE_MISSING',
  'STORE_LOCKED',
  'STORE_SCHEMA_TOO_NEW',
  'KEY_AMBIGUOUS',
  'GPG_MISSING',
  'GPG_FAILED',
] as const;

export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const { usage, failure } = EXIT;

/** Exhaustive: a new code in any of the three lists is a type error here until it has an exit code. */
export const EXIT_BY_CODE = {
  // The caller's mistake: a value, a file, a token, a name, something that already exists or does not.
  USAGE: usage,
  CONFIG_INVALID: usage,
  KEY_PASSPHRASE: usage,
  KEY_MISSING: usage,
  NAMESPACE_MISSING: usage,
  STORE_LOCKED: usage,
  STORE_SCHEMA_TOO_NEW: usage,
  KEY_AMBIGUOUS: usage,
  REQUEST_INVALID: usage,
  BODY_TOO_LARGE: usage,
  INPUT_INVALID: usage,
  NAME_INVALID: usage,
  VERSION_INVALID: usage,
  PROTOCOL_INVALID: usage,
  FILENAME_INVALID: usage,
  TEXT_INVALID: usage,
  AUTH_REQUIRED: usage,
  AUTH_MALFORMED: usage,
  TOKEN_INVALID: usage,
  TOKEN_SCOPE_INVALID: usage,
  TOKEN_SCOPE_MISSING: usage,
  FORBIDDEN: usage,
  KEY_ID_MISMATCH: usage,
  KEY_NOT_IN_NAMESPACE: usage,
  KEY_PRIVATE: usage,
  NOT_FOUND: usage,
  STORE_NOT_FOUND: usage,
  STORE_CONFLICT: usage,
  VERSION_PUBLISHED: usage,
  BLOB_TOO_LARGE: usage,
  QUOTA_EXCEEDED: usage,
  // Anything else: the registry failed, is busy or unreachable, lost a race, or the client sent what it should
  // not have (a bug of ours, not of the caller).
  JSON_MALFORMED: failure,
  CONTENT_TYPE_UNSUPPORTED: failure,
  UPLOAD_CONFLICT: failure,
  BLOB_DIGEST_MISMATCH: failure,
  RANGE_NOT_SATISFIABLE: failure,
  BLOB_RANGE_NOT_SATISFIABLE: failure,
  BUSY: failure,
  STORE_UNAVAILABLE: failure,
  // The registry's disk is full: its operator must make room; nothing the caller sends differently helps.
  STORAGE_FULL: failure,
  INTERNAL: failure,
  REGISTRY_UNREACHABLE: failure,
  REGISTRY_TIMEOUT: failure,
  RESPONSE_INVALID: failure,
  // The machine lacks gpg, or gpg failed: nothing the command line can fix.
  GPG_MISSING: failure,
  GPG_FAILED: failure,
} as const satisfies Record<ApiErrorCode | ClientErrorCode | CliErrorCode, ExitCode>;

const PROBLEM_CODE_SET: ReadonlySet<string> = new Set(PROBLEM_CODES);

/** True for a validator problem code (exit 1, also when the registry reports it). */
export function isProblemCode(code: string): boolean {
  return PROBLEM_CODE_SET.has(code);
}

/** The exit code for anything a command threw. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError || isPathMistake(error)) return usage;
  if (!isSignetError(error)) return failure;
  // A key that cannot be read at all, thrown rather than reported, is always one the caller gave (a key file,
  // --key, signet.yaml's gpg_key): an unreadable input, exit 2. In a report (validate's problems) it stays exit 1.
  if (error.code === 'KEY_INVALID' && !(error instanceof RegistryError)) return usage;
  if (isProblemCode(error.code)) return EXIT.problems;
  const code = error.code;
  if (isApiErrorCode(code)) return EXIT_BY_CODE[code];
  return Object.hasOwn(EXIT_BY_CODE, code) ? EXIT_BY_CODE[code as keyof typeof EXIT_BY_CODE] : failure;
}
