import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { validateRelease, type ReleaseFile, type ReleaseReport, type ZipLimits } from '@signet/core/node';

import type * as S from '../http/api-schemas';
import type { BlobStore } from '../storage/blob-store';
import type { VersionFileRecord, VersionRecord } from '../storage/records';

/** Runs the core's validator over a version's stored files, exactly as `signet validate` would. */
export async function validateStoredRelease(
  blobs: BlobStore,
  zipLimits: ZipLimits,
  record: VersionRecord,
  files: readonly VersionFileRecord[],
  keyArmor: string | undefined,
): Promise<ReleaseReport> {
  let temporary: string | undefined;
  try {
    const releaseFiles: ReleaseFile[] = [];
    for (const file of files) {
      let path = await blobs.localPath(file.sha256);
      if (path === undefined) {
        temporary ??= await mkdtemp(join(tmpdir(), 'signet-validate-'));
        path = join(temporary, file.sha256);
        await pipeline(await blobs.open(file.sha256), createWriteStream(path));
      }
      releaseFiles.push({ fileName: file.fileName, path });
    }
    return await validateRelease({
      files: releaseFiles,
      name: record.type,
      version: record.version,
      protocols: record.protocols,
      keys: keyArmor === undefined ? [] : [keyArmor],
      limits: zipLimits,
    });
  } finally {
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
  }
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
