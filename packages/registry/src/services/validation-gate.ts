import pLimit from 'p-limit';

import { HttpError } from '../http/errors';

/** Options of `createValidationGate`. */
export interface ValidationGateOptions {
  /** Validations running at once. Default 2: each one hashes and inflates zips, which is CPU and I/O bound. */
  maxConcurrent?: number | undefined;
  /** Validations waiting for a turn; one more is refused with 503 and Retry-After. Default 16. */
  maxQueued?: number | undefined;
}

/** Bounds the validations (draft reports, publishes) a server runs at once. */
export interface ValidationGate {
  /** Runs `fn` when a slot is free; throws a 503 `BUSY` with `Retry-After` at once when the queue is full. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export const RETRY_AFTER_SECONDS = 5;

/** A gate of `maxConcurrent` slots and `maxQueued` waiting places. */
export function createValidationGate(options: ValidationGateOptions = {}): ValidationGate {
  const maxConcurrent = options.maxConcurrent ?? 2;
  const maxQueued = options.maxQueued ?? 16;
  const limit = pLimit(maxConcurrent);
  return {
    run(fn) {
      if (limit.activeCount + limit.pendingCount >= maxConcurrent + maxQueued) {
        throw new HttpError(
          503,
          'BUSY',
          `The registry is running ${limit.activeCount} validations with ${limit.pendingCount} waiting (its limit); retry in ${RETRY_AFTER_SECONDS} seconds.`,
          { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        );
      }
      return limit(fn);
    },
  };
}
