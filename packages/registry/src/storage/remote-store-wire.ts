// The messages of the remote metadata store (remote-metadata-store.ts) and how values and errors travel in them.
// A channel may copy messages with structured clone (a MessagePort, cluster's 'advanced' serialization) or JSON
// (cluster's default): both must give the caller exactly what the owner's store returned or threw.

import { SignetError } from '@signet/core';
import { z } from 'zod';

import {
  BlobDigestMismatchError,
  BlobRangeError,
  BlobTooLargeError,
  StoreConflictError,
  StoreFullError,
  StoreLockedError,
  StoreNotFoundError,
  StoreQuotaError,
  StoreSchemaError,
  StoreUnavailableError,
} from './errors';

/** The tag of the store's messages: the channel also carries the change feed and the cluster's own traffic. */
export const STORE_MESSAGE_TAG = 'store';

/**
 * The classes an error keeps across the channel, by code, so that `instanceof` and the server's code → status map
 * hold on the handle's side. A SignetError of another code arrives as a SignetError with that code.
 */
const ERROR_CLASSES: Record<string, new (...args: never[]) => SignetError> = {
  STORE_CONFLICT: StoreConflictError,
  STORE_NOT_FOUND: StoreNotFoundError,
  QUOTA_EXCEEDED: StoreQuotaError,
  STORE_LOCKED: StoreLockedError,
  STORE_SCHEMA_TOO_NEW: StoreSchemaError,
  STORE_UNAVAILABLE: StoreUnavailableError,
  STORAGE_FULL: StoreFullError,
  BLOB_TOO_LARGE: BlobTooLargeError,
  BLOB_DIGEST_MISMATCH: BlobDigestMismatchError,
  BLOB_RANGE_NOT_SATISFIABLE: BlobRangeError,
};

// Values travel as plain data plus the paths where `undefined` stood: structured clone keeps `undefined` but JSON
// (cluster's 'json' serialization) drops it from objects and turns it into null in arrays, and a record such as
// `{ file, replaced: undefined }` must arrive exactly as the store returned it.
const pathSchema = z.array(z.union([z.string(), z.number().int().nonnegative()]));
// `data` is optional: JSON drops it when the whole value is undefined (a `get*` that found nothing).
const wireValueSchema = z.object({ data: z.unknown().optional(), undefinedAt: z.array(pathSchema) });
export type WireValue = z.output<typeof wireValueSchema>;

/** `{ signet: 'store', id, method, args }`, from a handle to the owner. */
export const storeCallSchema = z.object({
  signet: z.literal(STORE_MESSAGE_TAG),
  id: z.string(),
  method: z.string(),
  args: wireValueSchema,
});
const wireErrorSchema = z.object({ code: z.string().optional(), message: z.string(), fields: wireValueSchema });
/** `{ signet: 'store', id, ok: true, value }` or `{ …, ok: false, error }`, from the owner to a handle. */
export const storeAnswerSchema = z.discriminatedUnion('ok', [
  z.object({ signet: z.literal(STORE_MESSAGE_TAG), id: z.string(), ok: z.literal(true), value: wireValueSchema }),
  z.object({ signet: z.literal(STORE_MESSAGE_TAG), id: z.string(), ok: z.literal(false), error: wireErrorSchema }),
]);
export type WireError = z.output<typeof wireErrorSchema>;

/** A message of the store's protocol (a call or an answer), not of another module sharing the channel. */
export function isStoreMessage(message: unknown): message is Record<string, unknown> {
  return (
    typeof message === 'object' && message !== null && (message as { signet?: unknown }).signet === STORE_MESSAGE_TAG
  );
}

/** `value` as it travels; throws a TypeError, naming where, for anything but plain data. */
export function encodeValue(value: unknown): WireValue {
  const undefinedAt: (string | number)[][] = [];
  // One path, pushed and popped as the walk goes, copied only where an undefined is found (lists can be large).
  const path: (string | number)[] = [];
  const visit = (v: unknown, key: string | number): void => {
    path.push(key);
    walk(v);
    path.pop();
  };
  const walk = (v: unknown): void => {
    if (v === undefined) undefinedAt.push([...path]);
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) visit(v[i], i);
    else if (isPlainObject(v)) for (const key of Object.keys(v)) visit(v[key], key);
    else if (!isPlainScalar(v)) {
      throw new TypeError(
        `Expected plain data (strings, finite numbers, booleans, null, arrays, plain objects) at ${JSON.stringify(path)}, found ${Object.prototype.toString.call(v)}; a value sent to or from the metadata store must read the same after JSON and structured clone.`,
      );
    }
  };
  walk(value);
  return { data: value, undefinedAt };
}

/** The value `encodeValue` gave, its undefined members put back; throws for a path the value does not have. */
export function decodeValue(wire: WireValue): unknown {
  let data = wire.data;
  for (const path of wire.undefinedAt) {
    const key = path.at(-1);
    if (key === undefined) {
      data = undefined;
      continue;
    }
    let parent: unknown = data;
    for (const step of path.slice(0, -1)) {
      // Own properties only: a path through `__proto__` must not reach Object.prototype.
      if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, step)) {
        throw new Error(`Expected a value with ${JSON.stringify(path)} in it from the other process, found none.`);
      }
      parent = (parent as Record<string | number, unknown>)[step];
    }
    if (typeof parent !== 'object' || parent === null) {
      throw new Error(`Expected a value with ${JSON.stringify(path)} in it from the other process, found none.`);
    }
    Object.defineProperty(parent, key, { value: undefined, writable: true, enumerable: true, configurable: true });
  }
  return data;
}

function isPlainScalar(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** What an error carries besides its extra fields (a `cause` may not be plain data, nor is it needed). */
const RESERVED_ERROR_KEYS = new Set(['name', 'message', 'stack', 'code', 'cause', '__proto__']);

/** A SignetError keeps its code and extra fields (quotaBytes, retryAfterSeconds, …); any other error its message. */
export function encodeError(error: unknown): WireError {
  if (!(error instanceof SignetError)) {
    return { message: error instanceof Error ? error.message : String(error), fields: encodeValue({}) };
  }
  const fields = Object.fromEntries(Object.entries(error).filter(([key]) => !RESERVED_ERROR_KEYS.has(key)));
  try {
    return { code: error.code, message: error.message, fields: encodeValue(fields) };
  } catch {
    return { code: error.code, message: error.message, fields: encodeValue({}) };
  }
}

export function decodeError(wire: WireError): Error {
  if (wire.code === undefined) return new Error(wire.message);
  // The SignetError constructor, with the class's prototype: subclasses take other constructor arguments, and the
  // fields they set arrive in `fields` anyway.
  const error = Reflect.construct(SignetError, [wire.code, wire.message], ERROR_CLASSES[wire.code] ?? SignetError);
  const fields = decodeValue(wire.fields);
  if (!isPlainObject(fields)) throw new Error('Expected the fields of an error from the other process as an object.');
  for (const [key, value] of Object.entries(fields)) {
    // Defined, not assigned: a field named `__proto__` must not set the error's prototype.
    if (!RESERVED_ERROR_KEYS.has(key)) {
      Object.defineProperty(error, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  return error;
}
