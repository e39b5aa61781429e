import { Readable } from 'node:stream';

import type { Context, Env, Hono } from 'hono';
import parseRange from 'range-parser';

import type { DownloadResponse, PreparedRelease } from '../prepare-release';
import type { BlobStore } from '../storage/blob-store';
import type { UrlSigner } from '../url-signing';
import { requirePermission, type Authenticator } from './auth';
import { HttpError } from './errors';
import { readDownloadJson, type ProviderView, type ReadModel } from './read-model';

export interface ProtocolDeps {
  readModel: ReadModel;
  blobs: BlobStore;
  auth: Authenticator;
  signer: UrlSigner;
}

const DISCOVERY = JSON.stringify({ 'providers.v1': '/v1/providers/' });
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/**
 * The read side terraform and tofu talk to (terraform-protocol.md): service discovery, the Provider Registry
 * Protocol, the Network Mirror Protocol and the file downloads both point at. Every answer comes from the read
 * model; private namespaces need a `read` token on the JSON routes and a signed URL (or the token) on files.
 */
export function mountProtocolRoutes<E extends Env>(app: Hono<E>, deps: ProtocolDeps): void {
  const { readModel } = deps;

  app.get('/.well-known/terraform.json', () => new Response(DISCOVERY, { headers: JSON_HEADERS }));

  app.get('/v1/providers/:ns/:type/versions', async (c) => {
    const view = await readable(c, deps, c.req.param('ns'), c.req.param('type'));
    return new Response(view.versionsJson, { headers: JSON_HEADERS });
  });

  app.get('/v1/providers/:ns/:type/:version/download/:os/:arch', async (c) => {
    const { ns, type, version, os, arch } = c.req.param();
    const view = await readable(c, deps, ns, type);
    const found = view.versions.get(version);
    const json = found && readDownloadJson(found, `${os}_${arch}`);
    // 404 is what terraform turns into "does not have a package available for your current platform".
    if (!found || json === undefined) throw notFound(`${ns}/${type} ${version} has no package for ${os}_${arch}.`);
    const body =
      view.visibility === 'private'
        ? JSON.stringify(signDownload(found.prepared.downloads[`${os}_${arch}`]!, deps.signer))
        : json;
    return new Response(body, { headers: JSON_HEADERS });
  });

  // Network mirror. The host segment is the provider's source host, whatever it is: the mirror serves this
  // registry's providers under any name (terraform-protocol.md §3), so a port-less name can be used.
  app.get('/mirror/:host/:ns/:type/:file', async (c) => {
    const { ns, type, file } = c.req.param();
    const view = await readable(c, deps, ns, type);
    const json = readMirrorJson(view, file);
    if (json === undefined) throw notFound(`${ns}/${type} has no mirror document ${JSON.stringify(file)}.`);
    const version = file === 'index.json' ? undefined : view.versions.get(file.slice(0, -'.json'.length));
    const body =
      version && view.visibility === 'private' ? JSON.stringify(signMirror(version.prepared, deps.signer)) : json;
    return new Response(body, { headers: JSON_HEADERS });
  });

  app.on(['GET', 'HEAD'], '/v1/files/:ns/:type/:version/:file', async (c) => {
    const { ns, type, version, file } = c.req.param();
    const view = await readModel.provider(ns, type);
    const stored = view?.versions.get(version)?.prepared.files[file];
    if (!view || !stored) throw notFound(`No published file ${ns}/${type} ${version} ${file}.`);
    if (view.visibility === 'private') {
      const path = new URL(c.req.url).pathname;
      const signed = deps.signer.verify(path, { expires: c.req.query('expires'), signature: c.req.query('signature') });
      if (!signed) {
        const principal = await deps.auth.authenticate(c.req.header('authorization'));
        requirePermission(principal, 'read', ns);
      }
    }
    return serveBlob(c, deps.blobs, file, stored, view.visibility === 'public');
  });
}

/**
 * The hot reads (versions, download JSON, mirror JSON) of public providers whose view is loaded, answered from a
 * bare path (no query, nothing percent-encoded) without building a Request or a Response: node-server.ts tries it
 * before handing a GET to the app. `undefined` for anything else (other paths, private or unknown providers, a view
 * not loaded yet or stale), which the app then answers; for what it does answer, the app gives the same bytes.
 */
export function createFastReads(readModel: ReadModel): (path: string) => string | undefined {
  const publicView = (ns: string, type: string) => {
    const view = readModel.peek(ns, type);
    return view?.visibility === 'public' ? view : undefined;
  };
  return (path) => {
    const segments = path.split('/');
    if (segments[0] !== '' || segments.slice(1).includes('')) return undefined;
    const [, root, providers, ns, type, fifth, sixth, os, arch] = segments as (string | undefined)[];
    if (root === 'v1' && providers === 'providers' && ns && type) {
      if (segments.length === 6 && fifth === 'versions') return publicView(ns, type)?.versionsJson;
      if (segments.length !== 9 || sixth !== 'download' || !fifth) return undefined;
      const version = publicView(ns, type)?.versions.get(fifth);
      return version && readDownloadJson(version, `${os}_${arch}`);
    }
    // /mirror/:host/:ns/:type/:file
    if (root === 'mirror' && segments.length === 6) {
      const view = publicView(segments[3]!, segments[4]!);
      return view && readMirrorJson(view, segments[5]!);
    }
    return undefined;
  };
}

/** `index.json` or `<version>.json` of the network mirror, as a public namespace serves it. */
function readMirrorJson(view: ProviderView, file: string): string | undefined {
  if (file === 'index.json') return view.mirrorIndexJson;
  return file.endsWith('.json') ? view.versions.get(file.slice(0, -'.json'.length))?.mirrorJson : undefined;
}

/** The provider's view, after checking the caller may read it. 404 for unknown providers, 401/403 for private. */
async function readable<E extends Env>(
  c: Context<E>,
  deps: ProtocolDeps,
  ns: string,
  type: string,
): Promise<ProviderView> {
  const view = await deps.readModel.provider(ns, type);
  if (view?.visibility === 'private') {
    requirePermission(await deps.auth.authenticate(c.req.header('authorization')), 'read', ns);
  }
  if (!view) throw notFound(`No provider ${ns}/${type} on this registry.`);
  return view;
}

function notFound(message: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', message);
}

function signDownload(download: DownloadResponse, signer: UrlSigner): DownloadResponse {
  return {
    ...download,
    download_url: signer.sign(download.download_url),
    shasums_url: signer.sign(download.shasums_url),
    shasums_signature_url: signer.sign(download.shasums_signature_url),
  };
}

function signMirror(prepared: PreparedRelease, signer: UrlSigner): PreparedRelease['mirror'] {
  const archives = Object.fromEntries(
    Object.entries(prepared.mirror.archives).map(([platform, a]) => [platform, { ...a, url: signer.sign(a.url) }]),
  );
  return { archives };
}

const CONTENT_TYPES: [suffix: string, type: string][] = [
  ['.zip', 'application/zip'],
  ['.json', 'application/json'],
  ['.sig', 'application/pgp-signature'],
  ['_SHA256SUMS', 'text/plain; charset=utf-8'],
];

/** Streams a stored file, with `HEAD`, `ETag` and single byte ranges. */
async function serveBlob<E extends Env>(
  c: Context<E>,
  blobs: BlobStore,
  fileName: string,
  stored: { sha256: string; size: number },
  cacheable: boolean,
): Promise<Response> {
  const etag = `"${stored.sha256}"`;
  const headers = new Headers({
    'Content-Type': CONTENT_TYPES.find(([suffix]) => fileName.endsWith(suffix))?.[1] ?? 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${fileName}"`,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    // Published bytes never change; signed URLs of private namespaces must not be cached by shared caches.
    'Cache-Control': cacheable ? 'public, max-age=31536000, immutable' : 'private, max-age=3600',
  });
  if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });

  let range: { start: number; end: number } | undefined;
  const header = c.req.header('range');
  if (header !== undefined && stored.size > 0) {
    const parsed = parseRange(stored.size, header, { combine: true });
    if (parsed === -1) {
      headers.set('Content-Range', `bytes */${stored.size}`);
      throw new HttpError(
        416,
        'RANGE_NOT_SATISFIABLE',
        `Expected a byte range within 0-${stored.size - 1}, found ${JSON.stringify(header)}.`,
        Object.fromEntries(headers),
      );
    }
    // A malformed header or several ranges: the whole file, as RFC 9110 allows.
    if (parsed !== -2 && parsed.type === 'bytes' && parsed.length === 1) range = parsed[0];
  }
  const length = range ? range.end - range.start + 1 : stored.size;
  headers.set('Content-Length', String(length));
  if (range) headers.set('Content-Range', `bytes ${range.start}-${range.end}/${stored.size}`);
  const status = range ? 206 : 200;
  if (c.req.method === 'HEAD') return new Response(null, { status, headers });
  const stream = await blobs.open(stored.sha256, range);
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status, headers });
}
