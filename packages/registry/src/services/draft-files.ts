import { parseArtifactName } from '@signet/core';

import { HttpError } from '../http/errors';
import {
  BlobTooLargeError,
  isNoSpaceError,
  StoreConflictError,
  StoreFullError,
  StoreQuotaError,
} from '../storage/errors';
import type { PutFileResult, VersionFileRecord, VersionRecord } from '../storage/records';
import type { DraftServiceDeps } from './draft-service-deps';
import { sha256Of } from './hash-body';
import { uploadCapOf, type UploadCap } from './upload-limits';

/** One upload of a version's file; `fileName` is already checked as an artifact of this version. */
export interface PutDraftFileInput {
  record: VersionRecord;
  fileName: string;
  body: AsyncIterable<Uint8Array>;
  /** The Content-Length header, when the client sent one: refused at once when over a cap. */
  declaredBytes: number | undefined;
  /** The X-Checksum-SHA256 header, lower-case. */
  expectedSha256: string | undefined;
}

/** What an upload did: `unchanged` for identical bytes, `created` for a new file name. */
export interface PutDraftFileResult {
  file: VersionFileRecord;
  unchanged: boolean;
  created: boolean;
}

/**
 * Stores one file of a draft, or proves that a published version already has exactly these bytes. The rules:
 * caps per artifact kind (at once from Content-Length, then while streaming), the namespace's draft quota, no change
 * while a publish holds the draft, and the bytes a replaced file used removed once nothing references them.
 *
 * What the bytes are is not judged here: a bomb, a zip with `../` entries or no zip at all is stored like any bytes
 * and shows up in the draft's report and the publish refusal, the validator's problems exactly as `signet validate`
 * lists them. That is safe because drafts are never served, and cheap because the validator bounds its work (inflate
 * ratio and total, size caps) and a draft's report is computed once per set of files.
 */
export async function putDraftFile(deps: DraftServiceDeps, input: PutDraftFileInput): Promise<PutDraftFileResult> {
  const { record, fileName } = input;
  const artifact = parseArtifactName(fileName);
  if (!artifact) throw new Error(`putDraftFile got ${JSON.stringify(fileName)}, which is no artifact name.`);
  const cap = uploadCapOf(fileName, artifact.kind, deps.maxFileBytes);
  if (input.declaredBytes !== undefined && input.declaredBytes > cap.maxBytes) throw cap.refuse(input.declaredBytes);
  const files = await deps.metadata.listFiles(record.namespace, record.type, record.version);
  const existing = files.find((f) => f.fileName === fileName);
  if (record.state === 'published') return compareWithPublished(input, existing, cap);
  await deps.failedLeases.settle(record); // before any byte is staged: a lease left by a failed publish

  const { namespace } = record;
  const room = deps.draftQuotaBytes - (await deps.metadata.sumDraftBytes(namespace)) + (existing?.size ?? 0);
  if (input.declaredBytes !== undefined && input.declaredBytes > room) {
    throw quotaExceeded(
      new StoreQuotaError(namespace, deps.draftQuotaBytes, deps.draftQuotaBytes - room, input.declaredBytes),
    );
  }
  const staged = await deps.blobs
    .stage(input.body, { maxBytes: Math.min(cap.maxBytes, Math.max(room, 0)), expectedSha256: input.expectedSha256 })
    .catch((error: unknown) => {
      // The blob store removes its temporary file when a write fails, so the space of a refused upload comes back.
      if (isNoSpaceError(error)) throw new StoreFullError('blobs', { cause: error });
      if (!(error instanceof BlobTooLargeError)) throw error;
      if (room < cap.maxBytes)
        throw quotaExceeded(
          new StoreQuotaError(namespace, deps.draftQuotaBytes, deps.draftQuotaBytes - room, room + 1),
        );
      throw cap.refuse(undefined);
    });
  let result: PutFileResult;
  try {
    if (existing?.sha256 === staged.sha256) return { file: existing, unchanged: true, created: false };
    result = await deps.keeper.hold(staged.sha256, async () => {
      await staged.commit();
      return deps.metadata.putFile(
        namespace,
        record.type,
        record.version,
        {
          fileName,
          sha256: staged.sha256,
          size: staged.size,
        },
        { quotaBytes: deps.draftQuotaBytes },
      );
    });
  } catch (error) {
    await deps.keeper.collect([staged.sha256]); // committed but refused by the store: unused again
    throw await explainStoreRefusal(deps, record, error);
  } finally {
    await staged.discard();
  }
  const { file, replaced } = result;
  if (replaced !== undefined && replaced.sha256 !== file.sha256) await deps.keeper.collect([replaced.sha256]);
  return { file, unchanged: replaced?.sha256 === file.sha256, created: replaced === undefined };
}

/** Removes one file of a draft and, once unused, its bytes. */
export async function deleteDraftFile(
  deps: DraftServiceDeps,
  record: VersionRecord,
  fileName: string,
): Promise<VersionFileRecord> {
  const { namespace, type, version } = record;
  if (record.state === 'published') throw published(record);
  await deps.failedLeases.settle(record);
  const removed = await deps.metadata
    .deleteFile(namespace, type, version, fileName)
    .catch(async (error: unknown) => Promise.reject(await explainStoreRefusal(deps, record, error)));
  if (removed === undefined) {
    throw new HttpError(
      404,
      'NOT_FOUND',
      `Draft ${namespace}/${type} ${version} has no file ${JSON.stringify(fileName)}.`,
    );
  }
  await deps.keeper.collect([removed.sha256]);
  return removed;
}

// Published bytes are immutable: hash what arrives (never trust the header alone) and compare, never store.
async function compareWithPublished(
  input: PutDraftFileInput,
  existing: VersionFileRecord | undefined,
  cap: UploadCap,
): Promise<PutDraftFileResult> {
  const digest = await sha256Of(input.body, cap.maxBytes).catch((error: unknown) => {
    throw error instanceof BlobTooLargeError ? cap.refuse(undefined) : error;
  });
  if (input.expectedSha256 !== undefined && input.expectedSha256 !== digest) {
    throw new HttpError(
      422,
      'BLOB_DIGEST_MISMATCH',
      `Expected SHA-256 ${JSON.stringify(input.expectedSha256)}, found ${JSON.stringify(digest)}; the file changed or was cut short in transit, send it again.`,
    );
  }
  if (existing !== undefined && existing.sha256 === digest) return { file: existing, unchanged: true, created: false };
  throw new HttpError(
    409,
    'VERSION_PUBLISHED',
    `${formatVersion(input.record)} is published and its ${input.fileName} has other bytes (sha256 ${existing?.sha256 ?? 'none'}, found ${digest}); published files never change. Release a new version.`,
  );
}

/** A store conflict while changing a draft: it was published meanwhile, or a publish holds it. */
export async function explainStoreRefusal(
  deps: DraftServiceDeps,
  record: VersionRecord,
  error: unknown,
): Promise<Error> {
  if (error instanceof StoreQuotaError) return quotaExceeded(error);
  if (isNoSpaceError(error)) return new StoreFullError('blobs', { cause: error }); // committing the bytes
  if (!(error instanceof StoreConflictError)) return error instanceof Error ? error : new Error(String(error));
  const now = await deps.metadata.getVersion(record.namespace, record.type, record.version);
  if (now?.state === 'published') return published(record);
  return new HttpError(
    409,
    'UPLOAD_CONFLICT',
    `${formatVersion(record)} is being published; its files cannot change now and nothing was changed. Wait for the publish to end: if it failed, change the draft then.`,
  );
}

function published(record: VersionRecord): HttpError {
  return new HttpError(
    409,
    'VERSION_PUBLISHED',
    `${formatVersion(record)} is published; its files never change. Release a new version.`,
  );
}

function quotaExceeded(error: StoreQuotaError): HttpError {
  return new HttpError(413, 'QUOTA_EXCEEDED', error.message); // the connection stays open: see upload-limits.ts
}

export function formatVersion(record: Pick<VersionRecord, 'namespace' | 'type' | 'version'>): string {
  return `${record.namespace}/${record.type} ${record.version}`;
}
