import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';

import type { BlobStore } from '../storage/blob-store';
import { blobFileOpenerOf } from '../storage/fs-blob-store';
import type { UrlSigner } from '../url-signing';
import { matchesEtag, notModifiedHeaders, planBlobAnswer } from './answers';
import { readDownloadAnswer, type JsonAnswer, type ProviderView, type ReadModel } from './read-model';

export interface FastPathDeps {
  readModel: ReadModel;
  blobs: BlobStore;
  signer: UrlSigner;
}

export interface FastPath {
  /** The prepared answer for a bare GET path (no query), or `undefined` when the app must answer it. */
  answer: (path: string) => JsonAnswer | undefined;
  /**
   * Answers `req` on `res` itself when it can, else calls `next()` (the app answers) before writing anything:
   * GETs of the hot JSON reads, and GET/HEAD of files, of providers whose view is loaded and fresh.
   */
  serve: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
}

// What the fetch adaptor accepts without rewriting (@hono/node-server's url.ts): a host it does not parse, and a
// path without percent-encoding or dot segments, so the fast path sees the path the app's router would.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_PATH = /^\/[\w.~+-]+(?:\/[\w.~+-]+)*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
// The query of a signed file URL exactly as url-signing.ts writes it (expires first, nothing else, nothing
// encoded): then the values are what the app's `c.req.query()` reads. Any other spelling is left to the app.
const SIGNED_QUERY = /^expires=(\d{1,12})&signature=([A-Za-z0-9_-]{43})$/;
/**
 * JSON answers remembered by their request URL, so that a hot read is one Map lookup (no path parsing, no view key
 * to build). Bounded: a client inventing URLs (any mirror host segment answers) only makes it start over.
 */
const URLS_KEPT = 10_000;

/**
 * The hot read side answered straight from Node's request handler, without a Request, a Response or a web stream:
 * versions, download and mirror JSON of public providers as prepared bytes, and file downloads of published
 * versions (public, or private with a valid signed URL) piped from the blob store into the socket.
 *
 * It answers only what the app answers 200/206/304 for the same request, with the same headers and bytes
 * (answers.ts builds both); everything else is `next()`. Names are looked up in the loaded view's Maps only: a
 * view holds the names read-path.ts let through, and the store is never asked, so a name terraform refuses, a NUL
 * or another case finds nothing and goes to the app, which answers 404.
 */
export function createFastPath(deps: FastPathDeps): FastPath {
  const { readModel, blobs, signer } = deps;
  // The embedded folder sends files from reused buffers; any other store streams them.
  const openFile = blobFileOpenerOf(blobs);
  let plainHost = '';
  const hostIsPlain = (host: string | undefined) => {
    if (host === undefined) return false;
    if (host === plainHost) return true;
    if (!PLAIN_HOST.test(host)) return false;
    plainHost = host;
    return true;
  };
  const publicView = (ns: string, type: string) => {
    const view = readModel.peek(ns, type);
    return view?.visibility === 'public' ? view : undefined;
  };

  // An entry is used only while its view is the read model's current one, so it never outlives a change.
  const byUrl = new Map<string, { view: ProviderView; answer: JsonAnswer }>();
  const remember = (url: string, view: ProviderView, answer: JsonAnswer) => {
    if (byUrl.size >= URLS_KEPT) byUrl.clear();
    byUrl.set(url, { view, answer });
  };
  const recalled = (url: string): JsonAnswer | undefined => {
    const known = byUrl.get(url);
    if (known === undefined) return undefined;
    if (readModel.isCurrent(known.view)) return known.answer;
    byUrl.delete(url);
    return undefined;
  };

  const answerOf = (segments: string[]): { view: ProviderView; answer: JsonAnswer } | undefined => {
    const length = segments.length;
    if (segments[1] === 'v1') {
      if (segments[2] !== 'providers') return undefined;
      // /v1/providers/:ns/:type/versions
      if (length === 6) {
        const view = segments[5] === 'versions' ? publicView(segments[3]!, segments[4]!) : undefined;
        return view && { view, answer: view.versionsAnswer };
      }
      // /v1/providers/:ns/:type/:version/download/:os/:arch
      if (length !== 9 || segments[6] !== 'download') return undefined;
      const view = publicView(segments[3]!, segments[4]!);
      const version = view?.versions.get(segments[5]!);
      // A stored platform has one `_`, so `a_b`/`c` cannot pose as `a`/`b_c`.
      const answer = version && readDownloadAnswer(version, `${segments[7]}_${segments[8]}`);
      return answer && { view: view!, answer };
    }
    // /mirror/:host/:ns/:type/:file
    if (segments[1] === 'mirror' && length === 6) {
      const view = publicView(segments[3]!, segments[4]!);
      if (view === undefined) return undefined;
      const file = segments[5]!;
      const answer =
        file === 'index.json'
          ? view.mirrorIndexAnswer
          : file.endsWith('.json')
            ? view.versions.get(file.slice(0, -'.json'.length))?.mirrorAnswer
            : undefined;
      return answer && { view, answer };
    }
    return undefined;
  };

  const serveFile = (
    req: IncomingMessage,
    res: ServerResponse,
    next: () => void,
    path: string,
    query: string | undefined,
    segments: string[],
  ) => {
    // /v1/files/:ns/:type/:version/:file; object storage's downloads are the app's redirects, never streamed here.
    if (segments.length !== 7 || blobs.presigns) return next();
    const view: ProviderView | undefined = readModel.peek(segments[3]!, segments[4]!);
    const stored = view?.versions.get(segments[5]!)?.files.get(segments[6]!);
    if (view === undefined || stored === undefined) return next();
    if (view.visibility === 'public') {
      if (query !== undefined) return next();
    } else {
      const signed = query === undefined ? null : SIGNED_QUERY.exec(query);
      // Not signed, or not valid: the app decides (a bearer token, else 401/403), as strictly as ever.
      if (!signed || !signer.verify(path, { expires: signed[1], signature: signed[2] })) return next();
    }
    const plan = planBlobAnswer(
      { method: req.method!, range: req.headers.range, ifNoneMatch: req.headers['if-none-match'] },
      segments[6]!,
      stored,
      view.visibility === 'public',
    );
    if (plan.status === 416) return next(); // the app writes the error document
    if (!plan.body) {
      res.writeHead(plan.status, plan.headers.flat());
      res.end();
      return;
    }
    // The blob cannot be opened: nothing is written yet, so the app answers (and logs the fault).
    if (openFile) {
      openFile(stored.sha256, plan.range).then((file) => {
        if (res.destroyed) return file.close();
        res.writeHead(plan.status, plan.headers.flat());
        // Ends the answer with the file; destroys it on a read error, and stops when the client goes away.
        file.sendTo(res);
      }, next);
      return;
    }
    blobs.open(stored.sha256, plan.range).then((stream) => {
      if (res.destroyed) {
        stream.destroy();
        return;
      }
      res.writeHead(plan.status, plan.headers.flat());
      // Ends the answer with the file, or destroys both when either fails (a client gone, a read error).
      pipeline(stream, res, () => undefined);
    }, next);
  };

  return {
    answer: (path) =>
      PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) ? answerOf(path.split('/'))?.answer : undefined,
    serve(req, res, next) {
      const method = req.method;
      const url = req.url;
      if ((method !== 'GET' && method !== 'HEAD') || url === undefined || !hostIsPlain(req.headers.host)) {
        return next();
      }
      // A URL answered before (only ever a plain GET path without query) is answered again as it was.
      const known = method === 'GET' ? recalled(url) : undefined;
      if (known !== undefined) return writeJson(req, res, known);
      const mark = url.indexOf('?');
      const path = mark === -1 ? url : url.slice(0, mark);
      if (!PLAIN_PATH.test(path) || DOT_SEGMENT.test(path)) return next();
      const segments = path.split('/');
      if (segments[1] === 'v1' && segments[2] === 'files') {
        return serveFile(req, res, next, path, mark === -1 ? undefined : url.slice(mark + 1), segments);
      }
      if (method !== 'GET' || mark !== -1) return next();
      const found = answerOf(segments);
      if (found === undefined) return next();
      remember(url, found.view, found.answer);
      writeJson(req, res, found.answer);
    },
  };
}

function writeJson(req: IncomingMessage, res: ServerResponse, answer: JsonAnswer): void {
  if (matchesEtag(req.headers['if-none-match'], answer.etag)) {
    res.writeHead(304, notModifiedHeaders(answer));
    res.end();
    return;
  }
  res.writeHead(200, answer.headers as string[]);
  res.end(answer.body);
}
