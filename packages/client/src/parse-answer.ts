import { API_SCHEMAS } from '@signet/api';
import type { z } from 'zod';

import { createClientError, RegistryError, type RegistryErrorEntry } from './registry-error';

// Every answer is checked against the API's schema before any field is read: a redirect, an HTML page from a
// proxy or JSON of another shape becomes one clear RESPONSE_INVALID instead of `Cannot read properties of
// undefined` somewhere later.

/** What arrived for one request. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const FIX = 'Check that --registry is the URL of a Signet registry (not a web page or a proxy in front of one).';

/** The answer's JSON as `schema` reads it; throws RegistryError (4xx/5xx) or RESPONSE_INVALID. */
export function parseAnswer<S extends z.ZodType>(answer: Answer, schema: S, what: string): z.output<S> {
  if (answer.status >= 400) throw new RegistryError(answer.status, parseErrorBody(answer), what);
  if (answer.status >= 300) throw redirected(answer, what);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw createClientError(
      'RESPONSE_INVALID',
      `${what}: expected the registry's JSON, found ${describeBody(answer)}. ${FIX}`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(the whole answer)'}: ${issue.message}`);
    throw createClientError(
      'RESPONSE_INVALID',
      `${what}: expected the registry's JSON for this request, found JSON of another shape (${issues.join('; ')}). ${FIX}`,
    );
  }
  return parsed.data;
}

/** A 3xx: the client follows no redirect (a token must not travel to another host). */
export function redirected(answer: Pick<Answer, 'status' | 'headers'>, what: string) {
  const location = header(answer.headers, 'location');
  return createClientError(
    'RESPONSE_INVALID',
    `${what}: expected an answer, found a redirect (${answer.status}) to ${JSON.stringify(location ?? '')}. ` +
      'Give the registry URL the redirect points to as --registry.',
  );
}

/** The `{"errors":[…]}` of an error answer; any other body becomes one entry that quotes its start. */
export function parseErrorBody(answer: Answer): RegistryErrorEntry[] {
  try {
    const parsed = API_SCHEMAS.ErrorResponse.safeParse(JSON.parse(answer.text));
    if (parsed.success) return parsed.data.errors;
  } catch {
    // not JSON: described below
  }
  if (answer.text.trim() === '') return [];
  return [{ code: `HTTP_${answer.status}`, message: `The answer is not the registry's: ${describeBody(answer)}.` }];
}

function describeBody(answer: Answer): string {
  const type = header(answer.headers, 'content-type') ?? 'no Content-Type';
  if (/html/i.test(type) || /^\s*<(!doctype|html)/i.test(answer.text)) return `an HTML page (${type})`;
  if (answer.text.trim() === '') return `an empty body (${type})`;
  return `${JSON.stringify(answer.text.trim().slice(0, 80))} (${type})`;
}

function header(headers: Answer['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
