import parseRange from 'range-parser';

import type { ByteRange } from '../storage/blob-store';
import type { JsonAnswer } from './read-model';

// The answers the read side gives, built once for both routers: the app's routes (protocol-routes.ts) turn them into
// a Response, the fast path (fast-path.ts) writes them on Node's ServerResponse. So both give the same status,
// headers and bytes for the same request.

/**
 * True when an `If-None-Match` header names `etag` (RFC 9110 §13.1.2: `*`, or a list of tags compared weakly, so
 * `W/"x"` matches `"x"`).
 */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/** The 304 header list of a JSON answer. */
export function notModifiedHeaders(answer: JsonAnswer): string[] {
  return ['ETag', answer.etag];
}

/** A JSON document as the app answers it: 304 when `ifNoneMatch` names its ETag, else 200 with its bytes. */
export function jsonAnswerResponse(answer: JsonAnswer, ifNoneMatch: string | undefined): Response {
  if (matchesEtag(ifNoneMatch, answer.etag)) {
    return new Response(null, { status: 304, headers: pairs(notModifiedHeaders(answer)) });
  }
  return new Response(answer.json, { headers: pairs(answer.headers) });
}

const CONTENT_TYPES: [suffix: string, type: string][] = [
  ['.zip', 'application/zip'],
  ['.json', 'application/json'],
  ['.sig', 'application/pgp-signature'],
  ['_SHA256SUMS', 'text/plain; charset=utf-8'],
];

/** What to answer for a stored file: status, headers and the bytes to send (`range`), or a 416. */
export type BlobAnswer =
  | { status: 200 | 206; headers: [string, string][]; range: ByteRange | undefined; body: boolean }
  | { status: 304; headers: [string, string][]; range: undefined; body: false }
  | { status: 416; headers: [string, string][]; range: undefined; body: false; rangeHeader: string };

/**
 * The answer for a stored file, with `HEAD`, `ETag`/`If-None-Match` and single byte ranges (several ranges or a
 * malformed header: the whole file, as RFC 9110 allows). Nothing is read here: the caller opens `range` (the whole
 * file when undefined) when `body` is true.
 */
export function planBlobAnswer(
  request: { method: string; range: string | undefined; ifNoneMatch: string | undefined },
  fileName: string,
  stored: { sha256: string; size: number },
  cacheable: boolean,
): BlobAnswer {
  const etag = `"${stored.sha256}"`;
  const headers: [string, string][] = [
    ['Content-Type', CONTENT_TYPES.find(([suffix]) => fileName.endsWith(suffix))?.[1] ?? 'application/octet-stream'],
    ['Content-Disposition', `attachment; filename="${fileName}"`],
    ['Accept-Ranges', 'bytes'],
    ['ETag', etag],
    // Published bytes never change; signed URLs of private namespaces must not be cached by shared caches.
    ['Cache-Control', cacheable ? 'public, max-age=31536000, immutable' : 'private, max-age=3600'],
  ];
  if (matchesEtag(request.ifNoneMatch, etag)) return { status: 304, headers, range: undefined, body: false };

  let range: ByteRange | undefined;
  const header = request.range;
  if (header !== undefined && stored.size > 0) {
    const parsed = parseRange(stored.size, header, { combine: true });
    if (parsed === -1) {
      headers.push(['Content-Range', `bytes */${stored.size}`]);
      return { status: 416, headers, range: undefined, body: false, rangeHeader: header };
    }
    if (parsed !== -2 && parsed.type === 'bytes' && parsed.length === 1) range = parsed[0];
  }
  const length = range ? range.end - range.start + 1 : stored.size;
  headers.push(['Content-Length', String(length)]);
  if (range) headers.push(['Content-Range', `bytes ${range.start}-${range.end}/${stored.size}`]);
  return { status: range ? 206 : 200, headers, range, body: request.method !== 'HEAD' };
}

/** Flat name/value pairs as `Headers` takes them. */
function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
