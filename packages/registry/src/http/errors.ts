import { isApiErrorCode, type ApiErrorCode } from '@signet/api';
import { isSignetError, PROBLEM_CODES, type Problem, type ProblemCode } from '@signet/core';
import { HTTPException } from 'hono/http-exception';

import { isNoSpaceError, StoreFullError } from '../storage/errors';

/** One entry of an error body: `{"errors":[{code, message, file?}]}` (design.md §5.2). */
export interface ErrorEntry {
  code: string;
  message: string;
  file?: string;
  severity?: string;
}

/**
 * Every code an error body may carry: the registry's own (API_ERROR_CODES of @signet/api) and the validator's
 * problem codes. A new code is added to that list first; then the type checker asks for its status below.
 */
export type ErrorCode = ApiErrorCode | ProblemCode;

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 416 | 422 | 500 | 503 | 507;

/** The one error type route handlers throw; the app's error handler renders it. */
export class HttpError extends Error {
  readonly status: ErrorStatus;
  readonly errors: ErrorEntry[];
  readonly headers: Record<string, string>;

  constructor(status: ErrorStatus, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.errors = [{ code, message }];
    this.headers = headers;
  }

  /** A 422 carrying the validator's problems as they are. */
  static problems(problems: readonly Problem[], status: ErrorStatus = 422): HttpError {
    const error = new HttpError(status, problems[0]?.code ?? 'REQUEST_INVALID', problems[0]?.message ?? 'Invalid.');
    error.errors.splice(0, 1, ...problems.map((p) => ({ ...p })));
    return error;
  }
}

/**
 * The status a client sees for each of the registry's codes, also when the core or the storage layer throws it
 * as a SignetError. Exhaustive by type: a code without a status does not compile. A SignetError whose code is in
 * neither list is a bug on our side: a 500 (and only then). Validator problem codes are a 422.
 */
export const STATUS_BY_CODE = {
  REQUEST_INVALID: 400,
  JSON_MALFORMED: 400,
  BODY_TOO_LARGE: 413,
  CONTENT_TYPE_UNSUPPORTED: 415,
  INPUT_INVALID: 400,
  NAME_INVALID: 400,
  VERSION_INVALID: 400,
  PROTOCOL_INVALID: 400,
  FILENAME_INVALID: 400,
  TEXT_INVALID: 400,
  AUTH_REQUIRED: 401,
  AUTH_MALFORMED: 401,
  TOKEN_INVALID: 403,
  TOKEN_SCOPE_INVALID: 400,
  TOKEN_SCOPE_MISSING: 400,
  FORBIDDEN: 403,
  KEY_ID_MISMATCH: 422,
  KEY_NOT_IN_NAMESPACE: 422,
  KEY_PRIVATE: 422,
  NOT_FOUND: 404,
  STORE_NOT_FOUND: 404,
  STORE_CONFLICT: 409,
  VERSION_PUBLISHED: 409,
  UPLOAD_CONFLICT: 409,
  BLOB_TOO_LARGE: 413,
  BLOB_DIGEST_MISMATCH: 422,
  QUOTA_EXCEEDED: 413,
  RANGE_NOT_SATISFIABLE: 416,
  BLOB_RANGE_NOT_SATISFIABLE: 416,
  BUSY: 503,
  STORE_UNAVAILABLE: 503,
  // The disk under the embedded store is full: the operator must make room; a retry alone does not help.
  STORAGE_FULL: 507,
  INTERNAL: 500,
} as const satisfies Record<ApiErrorCode, ErrorStatus>;

/**
 * The `Retry-After` (seconds) of each code answered 503: a client (and a load balancer) must be told when to come
 * back, never left hanging. Exhaustive by type like STATUS_BY_CODE: a new 503 code without it does not compile.
 */
export const RETRY_AFTER_BY_CODE = {
  BUSY: 5,
  STORE_UNAVAILABLE: 5,
} as const satisfies Record<CodeWithStatus<503>, number>;

type CodeWithStatus<S extends ErrorStatus> = {
  [C in ApiErrorCode]: (typeof STATUS_BY_CODE)[C] extends S ? C : never;
}[ApiErrorCode];
const PROBLEM_CODE_SET = new Set<string>(PROBLEM_CODES);

/** The status of a code an error body may carry; `undefined` for a code in neither list. */
export function statusOfCode(code: string): ErrorStatus | undefined {
  if (isApiErrorCode(code)) return STATUS_BY_CODE[code];
  return PROBLEM_CODE_SET.has(code) ? 422 : undefined;
}

/** Maps anything thrown by a handler to an HttpError; `undefined` when it is a server fault. */
export function toHttpError(thrown: unknown): HttpError | undefined {
  if (thrown instanceof HttpError) return thrown;
  // A full disk wherever a file is written: 507, never a 500 whose log line is the only clue. The upload service
  // translates its own (StoreFullError 'blobs'); this catches any other write of a request.
  const error =
    !isSignetError(thrown) && isNoSpaceError(thrown) ? new StoreFullError('other', { cause: thrown }) : thrown;
  if (isSignetError(error)) {
    const status = statusOfCode(error.code);
    // A SignetError from the core or the storage is not an internal fault only when its code is a known one.
    if (status === undefined || error.code === 'INTERNAL') return undefined;
    return new HttpError(status, error.code as ErrorCode, error.message, retryAfterHeaders(error));
  }
  if (error instanceof HTTPException && error.status < 500) {
    // hono's own 4xx: a body that is not JSON, a body over the limit.
    if (error.status === 413) {
      return new HttpError(
        413,
        'BODY_TOO_LARGE',
        'The request body is larger than the API accepts for JSON (1 MiB); file bytes go to the files endpoint.',
      );
    }
    if (error.status === 415) {
      return new HttpError(
        415,
        'CONTENT_TYPE_UNSUPPORTED',
        'Expected Content-Type: application/json for this request body.',
      );
    }
    if (/malformed json/i.test(error.message)) {
      return new HttpError(
        400,
        'JSON_MALFORMED',
        'Expected a JSON object in the request body, found malformed JSON; send valid JSON with Content-Type: application/json.',
      );
    }
    return new HttpError(400, 'REQUEST_INVALID', error.message);
  }
  return undefined;
}

/**
 * `Retry-After` for a SignetError answered 503: the error's own `retryAfterSeconds` when it says (a store that knows
 * how long a reconnect takes), else the code's default.
 */
function retryAfterHeaders(error: { code: string; retryAfterSeconds?: unknown }): Record<string, string> {
  if (!Object.hasOwn(RETRY_AFTER_BY_CODE, error.code)) return {};
  const own = error.retryAfterSeconds;
  const seconds =
    typeof own === 'number' && Number.isInteger(own) && own > 0
      ? own
      : RETRY_AFTER_BY_CODE[error.code as keyof typeof RETRY_AFTER_BY_CODE];
  return { 'Retry-After': String(seconds) };
}

/** The JSON body of an error response. */
export function errorBody(error: HttpError): { errors: ErrorEntry[] } {
  return { errors: error.errors };
}

/**
 * Codes answered with their own status that the operator must still hear of: the store is full or cannot be
 * reached. The app's error handler reports them (once per request) besides the answer, so that a full disk is more
 * than a 507 in the access log.
 */
const OPERATOR_CODES: ReadonlySet<string> = new Set<ApiErrorCode>(['STORAGE_FULL', 'STORE_UNAVAILABLE']);

/** True for an answer that is no fault of the server's code but one its operator must fix (see OPERATOR_CODES). */
export function isOperatorProblem(error: HttpError): boolean {
  return error.errors.some((entry) => OPERATOR_CODES.has(entry.code));
}

// Errors met while cleaning up after the one a request is answered with (the lease of a publish that failed, whose
// release failed too): the client gets the first, the log gets both. Weakly keyed: an error nobody handles is freed.
const SUPPRESSED = new WeakMap<object, unknown[]>();

/** Notes `suppressed`, which happened while handling `error`, for the error handler to report with `error`. */
export function noteSuppressedError(error: unknown, suppressed: unknown): void {
  // Handlers throw Error objects; a thrown primitive cannot carry a note (nothing reports it then).
  if (typeof error !== 'object' || error === null) return;
  SUPPRESSED.set(error, [...(SUPPRESSED.get(error) ?? []), suppressed]);
}

/** The errors noted with `error`, handed out once. */
export function takeSuppressedErrors(error: unknown): unknown[] {
  if (typeof error !== 'object' || error === null) return [];
  const noted = SUPPRESSED.get(error) ?? [];
  SUPPRESSED.delete(error);
  return noted;
}
