// Every code the registry puts in an error body, besides the validator's problem codes (PROBLEM_CODES of
// @signet/core, always a 422 or the refusal of a file). One list, so that each map from a code to something (the
// registry's HTTP status, the CLI's exit code) is checked by the type checker to cover every code.

export const API_ERROR_CODES = [
  // The request itself.
  'REQUEST_INVALID',
  'JSON_MALFORMED',
  'BODY_TOO_LARGE',
  'CONTENT_TYPE_UNSUPPORTED',
  'INPUT_INVALID',
  'NAME_INVALID',
  'VERSION_INVALID',
  'PROTOCOL_INVALID',
  'FILENAME_INVALID',
  'TEXT_INVALID',
  // Who is asking.
  'AUTH_REQUIRED',
  'AUTH_MALFORMED',
  'TOKEN_INVALID',
  'TOKEN_SCOPE_INVALID',
  'TOKEN_SCOPE_MISSING',
  'FORBIDDEN',
  // Keys.
  'KEY_ID_MISMATCH',
  'KEY_NOT_IN_NAMESPACE',
  'KEY_PRIVATE',
  // What is stored.
  'NOT_FOUND',
  'STORE_NOT_FOUND',
  'STORE_CONFLICT',
  'VERSION_PUBLISHED',
  'UPLOAD_CONFLICT',
  // Sizes and ranges.
  'BLOB_TOO_LARGE',
  'BLOB_DIGEST_MISMATCH',
  'QUOTA_EXCEEDED',
  'RANGE_NOT_SATISFIABLE',
  'BLOB_RANGE_NOT_SATISFIABLE',
  // The registry itself.
  'BUSY',
  'STORE_UNAVAILABLE',
  // 507 Insufficient Storage: the disk (or quota) under the store is full and nothing was stored. Not a 503: a
  // retry meets the same full disk until the registry's operator has made room.
  'STORAGE_FULL',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const API_ERROR_CODE_SET: ReadonlySet<string> = new Set(API_ERROR_CODES);

/** True when `code` is one of the registry's own error codes (not a validator problem code). */
export function isApiErrorCode(code: string): code is ApiErrorCode {
  return API_ERROR_CODE_SET.has(code);
}
