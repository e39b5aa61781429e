import { Readable } from 'node:stream';

import {
  validateRelease,
  type RandomAccessFile,
  type RandomAccessReleaseFile,
  type ReleaseReport,
  type ZipLimits,
} from '@signet/core/node';

import type * as S from '../http/api-schemas';
import type { BlobStore } from '../storage/blob-store';
import { StoreNotFoundError } from '../storage/errors';
import type { VersionFileRecord, VersionRecord } from '../storage/records';

/**
 * Runs the core's validator over a version's stored files, exactly as `signet validate` would. The files are read
 * by byte ranges where they lie (`openBlobFile`), so a draft in object storage is validated without a local copy.
 */
export async function validateStoredRelease(
  blobs: BlobStore,
  zipLimits: ZipLimits,
  record: VersionRecord,
  files: readonly VersionFileRecord[],
  keyArmor: string | undefined,
): Promise<ReleaseReport> {
  const releaseFiles: RandomAccessReleaseFile[] = files.map((file) => ({
    fileName: file.fileName,
    open: () => openBlobFile(blobs, file.sha256),
  }));
  return validateRelease({
    files: releaseFiles,
    name: record.type,
    version: record.version,
    protocols: record.protocols,
    keys: keyArmor === undefined ? [] : [keyArmor],
    limits: zipLimits,
  });
}

/** A stored blob as a `RandomAccessFile`: each range is a ranged `open` of the blob. */
export async function openBlobFile(blobs: BlobStore, sha256: string): Promise<RandomAccessFile> {
  const stat = await blobs.stat(sha256);
  if (!stat) throw new StoreNotFoundError(`Blob ${JSON.stringify(sha256)} does not exist.`);
  const { size } = stat;
  return {
    size,
    read: async (start, end) => (start === end ? Readable.from([]) : blobs.open(sha256, { start, end: end - 1 })),
    close: () => Promise.resolve(),
  };
}

/** The report as the management API shows it. */
export function formatReportJson(report: ReleaseReport): S.ReportJson {
  const json: S.ReportJson = {
    ok: report.ok,
    platforms: report.platforms.map((p) => ({
      platform: p.platform,
      file_name: p.fileName,
      size: p.size,
      sha256: p.sha256,
      ...(p.h1 !== undefined ? { h1: p.h1 } : {}),
    })),
    problems: report.problems.map((p) => ({ ...p })),
  };
  if (report.keyId !== undefined) json.key_id = report.keyId;
  if (report.fingerprint !== undefined) json.fingerprint = report.fingerprint;
  return json;
}
