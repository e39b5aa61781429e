import { Readable } from 'node:stream';

import { isValidNamespace, isValidProviderName } from '@signet/core';
import type { Context, Env, Hono } from 'hono';

import type { DownloadResponse, PreparedRelease } from '../prepare-release';
import type { BlobStore } from '../storage/blob-store';
import type { UrlSigner } from '../url-signing';
import { jsonAnswerResponse, planBlobAnswer } from './answers';
import { requirePermission, type Authenticator, type Principal } from './auth';
import { HttpError } from './errors';
import { isArtifactOf, isExactVersion, parseMirrorFile, parsePlatformSegments, type MirrorFile } from './read-path';
import { readDownloadAnswer, type JsonAnswer, type ProviderView, type ReadModel, type VersionView } from './read-model';

export interface ProtocolDeps {
  readModel: ReadModel;
  blobs: BlobStore;
  auth: Authenticator;
  signer: UrlSigner;
}

/** What the protocol routes leave in the context: who called, for the access log. */
export type ProtocolEnv = { Variables: { principal: Principal | undefined } };

const DISCOVERY = JSON.stringify({ 'providers.v1': '/v1/providers/' });
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/**
 * The read side terraform and tofu talk to (terraform-protocol.md): service discovery, the Provider Registry
 * Protocol, the Network Mirror Protocol and the file downloads both point at. Every answer comes from the read
 * model. Names are checked (read-path.ts) before any lookup. Under a private namespace the caller's rights are
 * checked before anything below the namespace is looked at: without a token every such path is the same 401, with
 * a token lacking rights the same 403, whether or not the provider, version or file exists.
 */
export function mountProtocolRoutes(app: Hono<ProtocolEnv>, deps: ProtocolDeps): void {
  app.get('/.well-known/terraform.json', () => new Response(DISCOVERY, { headers: JSON_HEADERS }));

  app.get('/v1/providers/:ns/:type/versions', async (c) => {
    const { ns, type } = c.req.param();
    const view = await readable(c, deps, ns, () => (isValidProviderName(type) ? { type } : undefined));
    return jsonAnswerResponse(view.versionsAnswer, c.req.header('if-none-match'));
  });

  app.get('/v1/providers/:ns/:type/:version/download/:os/:arch', async (c) => {
    const { ns, type, version, os, arch } = c.req.param();
    const platform = parsePlatformSegments(os, arch);
    const view = await readable(c, deps, ns, () =>
      isValidProviderName(type) && isExactVersion(version) && platform !== undefined ? { type } : undefined,
    );
    const found = view.versions.get(version);
    const download = platform === undefined ? undefined : found?.downloads.get(platform);
    // 404 is what terraform turns into "does not have a package available for your current platform".
    if (!found || !download || platform === undefined) {
      throw notFound(`${ns}/${type} ${version} has no package for ${JSON.stringify(`${os}_${arch}`)}.`);
    }
    if (view.visibility === 'private') {
      return new Response(JSON.stringify(signDownload(download, deps.signer)), { headers: JSON_HEADERS });
    }
    return jsonAnswerResponse(readDownloadAnswer(found, platform)!, c.req.header('if-none-match'));
  });

  // Network mirror. The host segment is the provider's source host, whatever it is: the mirror serves this
  // registry's providers under any name (terraform-protocol.md §3), so a port-less name can be used.
  app.get('/mirror/:host/:ns/:type/:file', async (c) => {
    const { ns, type, file } = c.req.param();
    const mirrorFile = parseMirrorFile(file);
    const view = await readable(c, deps, ns, () =>
      isValidProviderName(type) && mirrorFile !== undefined ? { type } : undefined,
    );
    const answer = mirrorFile && readMirrorAnswer(view, mirrorFile);
    if (answer === undefined) throw notFound(`${ns}/${type} has no mirror document ${JSON.stringify(file)}.`);
    const version = mirrorFile?.kind === 'version' ? view.versions.get(mirrorFile.version) : undefined;
    if (version && view.visibility === 'private') {
      return new Response(JSON.stringify(signMirror(version, deps.signer)), { headers: JSON_HEADERS });
    }
    return jsonAnswerResponse(answer, c.req.header('if-none-match'));
  });

  app.on(['GET', 'HEAD'], '/v1/files/:ns/:type/:version/:file', async (c) => {
    const { ns, type, version, file } = c.req.param();
    const missing = () => notFound(`No published file ${JSON.stringify(`${ns}/${type} ${version} ${file}`)}.`);
    if (!isValidNamespace(ns)) throw missing();
    const visibility = await deps.readModel.namespace(ns);
    if (visibility === undefined) throw missing();
    if (visibility === 'private') {
      // A signed URL is the grant terraform carries (it never sends its token here); the signature covers the path.
      const path = new URL(c.req.url).pathname;
      const signed = deps.signer.verify(path, { expires: c.req.query('expires'), signature: c.req.query('signature') });
      if (!signed) await authorizeRead(c, deps, ns);
    }
    if (!isValidProviderName(type) || !isExactVersion(version) || !isArtifactOf(file, type, version)) throw missing();
    const view = await deps.readModel.provider(ns, type);
    const stored = view?.versions.get(version)?.files.get(file);
    if (!view || !stored) throw missing();
    // Object storage serves the bytes itself, by a short-lived presigned URL: they never pass through here. A HEAD is
    // answered here from the record (a presigned GET URL refuses HEAD: the method is signed), reading no blob.
    if (deps.blobs.presigns && c.req.method !== 'HEAD') return redirectToBlob(deps.blobs, file, stored);
    return serveBlob(c, deps.blobs, file, stored, view.visibility === 'public');
  });
}

/** `index.json` or `<version>.json` of the network mirror, as a public namespace serves it. */
function readMirrorAnswer(view: ProviderView, file: MirrorFile): JsonAnswer | undefined {
  return file.kind === 'index' ? view.mirrorIndexAnswer : view.versions.get(file.version)?.mirrorAnswer;
}

/**
 * The provider's view, once the caller may see it. The order is what keeps a private namespace closed: the
 * namespace name, then its visibility and the caller's rights, and only then the names below it (`below` returns
 * the type when they are valid) and the lookup. 404 for anything unknown; 401/403 for any path of a private
 * namespace without read rights.
 */
async function readable(
  c: Context<ProtocolEnv>,
  deps: ProtocolDeps,
  ns: string,
  below: () => { type: string } | undefined,
): Promise<ProviderView> {
  const missing = () => notFound(`No such provider, version or document under ${JSON.stringify(ns)} on this registry.`);
  if (!isValidNamespace(ns)) throw missing();
  const visibility = await deps.readModel.namespace(ns);
  if (visibility === undefined) throw missing();
  if (visibility === 'private') await authorizeRead(c, deps, ns);
  const names = below();
  if (!names) throw missing();
  const view = await deps.readModel.provider(ns, names.type);
  if (!view) throw missing();
  if (view.visibility === 'private' && visibility === 'public') await authorizeRead(c, deps, ns);
  return view;
}

/** Throws 401 without a token and 403 for a token without `read` in `ns`; notes the caller for the access log. */
async function authorizeRead(c: Context<ProtocolEnv>, deps: ProtocolDeps, ns: string): Promise<void> {
  const principal = await deps.auth.authenticate(c.req.header('authorization'));
  c.set('principal', principal);
  requirePermission(principal, 'read', ns);
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

function signMirror(version: VersionView, signer: UrlSigner): PreparedRelease['mirror'] {
  const archives = Object.fromEntries(
    [...version.archives].map(([platform, a]) => [platform, { ...a, url: signer.sign(a.url) }]),
  );
  return { archives };
}

/** 302 to the blob's presigned URL, answering with the same name and type as a streamed download. */
async function redirectToBlob(
  blobs: BlobStore,
  fileName: string,
  stored: { sha256: string; size: number },
): Promise<Response> {
  const plan = planBlobAnswer({ method: 'HEAD', range: undefined, ifNoneMatch: undefined }, fileName, stored, false);
  const contentType = plan.headers.find(([name]) => name === 'Content-Type')?.[1];
  const url = await blobs.presignGet(stored.sha256, { fileName, contentType });
  if (url === undefined)
    throw new Error(`Expected the blob store to presign ${JSON.stringify(fileName)}, found no URL.`);
  // The URL expires: no cache may keep the redirect longer than that.
  return new Response(null, { status: 302, headers: { Location: url, 'Cache-Control': 'no-store' } });
}

/** Streams a stored file, with `HEAD`, `ETag` and single byte ranges (answers.ts, shared with the fast path). */
async function serveBlob<E extends Env>(
  c: Context<E>,
  blobs: BlobStore,
  fileName: string,
  stored: { sha256: string; size: number },
  cacheable: boolean,
): Promise<Response> {
  const plan = planBlobAnswer(
    { method: c.req.method, range: c.req.header('range'), ifNoneMatch: c.req.header('if-none-match') },
    fileName,
    stored,
    cacheable,
  );
  const headers = new Headers(plan.headers);
  if (plan.status === 416) {
    throw new HttpError(
      416,
      'RANGE_NOT_SATISFIABLE',
      `Expected a byte range within 0-${stored.size - 1}, found ${JSON.stringify(plan.rangeHeader)}.`,
      Object.fromEntries(headers),
    );
  }
  if (!plan.body) return new Response(null, { status: plan.status, headers });
  const stream = await blobs.open(stored.sha256, plan.range);
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status: plan.status, headers });
}
