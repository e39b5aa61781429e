import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import {
  inspectZip,
  parseArtifactName,
  unsafeReason,
  validateRelease,
  type ReleaseFile,
  type ReleaseReport,
} from '@signet/core';

import type { StoredBlob } from '../storage/blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import type { VersionRecord } from '../storage/records';
import type { ApiDeps } from './api-kit';
import type * as S from './api-schemas';
import { HttpError } from './errors';

// What the registry checks of uploaded release files, with the core's validator: names at upload, dangerous zips
// at upload, the whole release at publish (and for a draft's live report).

/** A file name must be one of this version's four artifact kinds; anything else never reaches storage. */
export function checkFileName(file: string, type: string, version: string): void {
  const unsafe =
    file.includes('/') || file.includes('\\') || file.includes('\0')
      ? 'it has a path separator or NUL'
      : unsafeReason(file);
  if (unsafe !== undefined || file === '.' || file === '..') {
    throw new HttpError(
      400,
      'FILENAME_INVALID',
      `File name ${JSON.stringify(file)} is refused: ${unsafe ?? 'it is a path'}. Upload release artifacts by their plain names.`,
    );
  }
  const artifact = parseArtifactName(file);
  if (!artifact) {
    throw new HttpError(
      400,
      'FILENAME_INVALID',
      `${JSON.stringify(file)} is not a release artifact; expected terraform-provider-${type}_${version}_OS_ARCH.zip, _SHA256SUMS, _SHA256SUMS.sig or _manifest.json.`,
    );
  }
  if (artifact.name !== type) {
    throw new HttpError(
      422,
      'FILENAME_NAME_MISMATCH',
      `${file} is named for provider ${JSON.stringify(artifact.name)}, but this is ${JSON.stringify(type)}.`,
    );
  }
  if (artifact.version !== version) {
    throw new HttpError(
      422,
      'FILENAME_VERSION_MISMATCH',
      `${file} is named for version ${artifact.version}, but this draft is ${version}.`,
    );
  }
}

/**
 * Zips that could hurt an installer or the server (bombs, unsafe names, not a zip) are refused at upload. The blob
 * goes only if this upload created it: identical bytes stored before may back any file (a published SHA256SUMS
 * uploaded again under a zip name is "not a zip"), and those must stay.
 */
export async function refuseDangerousZip(
  deps: ApiDeps,
  stored: StoredBlob,
  file: string,
  artifact: { name: string; version: string; platform: string },
): Promise<void> {
  const { sha256 } = stored;
  const path = await deps.blobs.localPath(sha256);
  if (path === undefined) return; // checked at publish, from a temporary copy
  const inspection = await inspectZip(path, { ...artifact, limits: deps.zipLimits, fileName: file });
  const dangerous = inspection.problems.filter((p) =>
    ['ZIP_INVALID', 'ZIP_UNSAFE_PATH', 'ZIP_TOO_LARGE'].includes(p.code),
  );
  if (dangerous.length === 0) return;
  if (stored.created) await deps.blobs.delete(sha256);
  throw HttpError.problems(dangerous);
}

/** Runs the core's validator over a version's stored files, exactly as `signet validate` would. */
export async function validateDraft(
  deps: ApiDeps,
  record: VersionRecord,
  files?: Awaited<ReturnType<MetadataStore['listFiles']>>,
  keyArmor?: string,
): Promise<ReleaseReport> {
  const { namespace, type, version } = record;
  files ??= await deps.metadata.listFiles(namespace, type, version);
  keyArmor ??= (await deps.metadata.getKey(namespace, record.keyId))?.asciiArmor;
  let temporary: string | undefined;
  try {
    const releaseFiles: ReleaseFile[] = [];
    for (const file of files) {
      let path = await deps.blobs.localPath(file.sha256);
      if (path === undefined) {
        temporary ??= await mkdtemp(join(tmpdir(), 'signet-validate-'));
        path = join(temporary, file.sha256);
        await pipeline(await deps.blobs.open(file.sha256), createWriteStream(path));
      }
      releaseFiles.push({ fileName: file.fileName, path });
    }
    return await validateRelease({
      files: releaseFiles,
      name: type,
      version,
      protocols: record.protocols,
      keys: keyArmor === undefined ? [] : [keyArmor],
      limits: deps.zipLimits,
    });
  } finally {
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
  }
}

export function reportJson(report: ReleaseReport): S.ReportJson {
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

/** Hashes a body without keeping it, stopping past `maxBytes`. */
export async function sha256Of(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > maxBytes)
      throw new HttpError(413, 'BLOB_TOO_LARGE', `The upload passed this registry's limit of ${maxBytes} bytes.`);
    hash.update(chunk);
  }
  return hash.digest('hex');
}

export function emptyBody(): AsyncIterable<Uint8Array> {
  return (async function* () {})();
}
