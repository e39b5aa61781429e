import { isSignetError, PROBLEM_CODES, type Problem } from '@signet/core';
import { HTTPException } from 'hono/http-exception';

/** One entry of an error body: `{"errors":[{code, message, file?}]}` (design.md §5.2). */
export interface ErrorEntry {
  code: string;
  message: string;
  file?: string;
  severity?: string;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 416 | 422 | 500 | 503;

/** The one error type route handlers throw; the app's error handler renders it. */
export class HttpError extends Error {
  readonly status: ErrorStatus;
  readonly errors: ErrorEntry[];
  readonly headers: Record<string, string>;

  constructor(status: ErrorStatus, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.errors = [{ code, message }];
    this.headers = headers;
  }

  /** A 422 carrying the validator's problems as they are. */
  static problems(problems: readonly Problem[], status: ErrorStatus = 422): HttpError {
    const error = new HttpError(status, problems[0]?.code ?? 'INVALID', problems[0]?.message ?? 'Invalid.');
    error.errors.splice(0, 1, ...problems.map((p) => ({ ...p })));
    return error;
  }
}

// The core's and the storage layer's error codes, by the status a client should see. Anything not listed here
// and not a validator problem code is a bug on our side: a 500 (and only then).
const STATUS_BY_CODE: Record<string, ErrorStatus> = {
  INPUT_INVALID: 400,
  NAME_INVALID: 400,
  VERSION_INVALID: 400,
  PROTOCOL_INVALID: 400,
  STORE_NOT_FOUND: 404,
  STORE_CONFLICT: 409,
  BLOB_TOO_LARGE: 413,
  BLOB_RANGE_NOT_SATISFIABLE: 416,
  BLOB_DIGEST_MISMATCH: 422,
};
const PROBLEM_CODE_SET = new Set<string>(PROBLEM_CODES);

/** Maps anything thrown by a handler to an HttpError; `undefined` when it is a server fault. */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (isSignetError(error)) {
    const status = STATUS_BY_CODE[error.code] ?? (PROBLEM_CODE_SET.has(error.code) ? 422 : undefined);
    return status === undefined ? undefined : new HttpError(status, error.code, error.message);
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

/** The JSON body of an error response. */
export function errorBody(error: HttpError): { errors: ErrorEntry[] } {
  return { errors: error.errors };
}
