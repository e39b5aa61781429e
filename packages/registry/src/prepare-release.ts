import type { ReportJson } from './http/api-schemas';
import { formatShasumsName, formatSignatureName, formatZipName, parsePlatform } from '@signet/core';
import type { ReleaseReport } from '@signet/core/node';

/** The key block of a download response (terraform-protocol.md §1.5). `trust_signature` must stay empty. */
export interface GpgPublicKey {
  key_id: string;
  ascii_armor: string;
  trust_signature: '';
  source?: string;
  source_url?: string;
}

/** `GET /v1/providers/:ns/:type/:version/download/:os/:arch`, with root-relative file paths. */
export interface DownloadResponse {
  protocols: string[];
  os: string;
  arch: string;
  filename: string;
  download_url: string;
  shasums_url: string;
  shasums_signature_url: string;
  shasum: string;
  signing_keys: { gpg_public_keys: GpgPublicKey[] };
}

/** One platform of a network-mirror `<version>.json`. */
export interface MirrorArchive {
  url: string;
  hashes: string[];
}

/**
 * Everything the read side serves for one published version, computed once at publish time so that a read is
 * a lookup, never a scan. File URLs are root-relative (`/v1/files/...`): terraform resolves them against the
 * request URL (terraform-protocol.md §1.6), so the same prepared data works behind any host name; private
 * namespaces get a signature appended per request.
 */
export interface PreparedRelease {
  protocols: string[];
  platforms: { os: string; arch: string }[];
  downloads: Record<string, DownloadResponse>;
  mirror: { archives: Record<string, MirrorArchive> };
  /** Every file of the version by name: what the file routes serve. */
  files: Record<string, { sha256: string; size: number }>;
  keyId: string;
  fingerprint?: string | undefined;
  /** The validation report at publish time, as the management API shows it. */
  report?: ReportJson;
}

export interface PrepareReleaseInput {
  namespace: string;
  type: string;
  version: string;
  protocols: readonly string[];
  /** A passing validation report of the version's files. */
  report: ReleaseReport;
  key: { keyId: string; asciiArmor: string; source?: string | undefined; sourceUrl?: string | undefined };
  /** The version's stored files. */
  files: readonly { fileName: string; sha256: string; size: number }[];
}

/** Root-relative path of a version's file: the one URL scheme of the file routes. */
export function formatFilePath(namespace: string, type: string, version: string, fileName: string): string {
  return `/v1/files/${namespace}/${type}/${version}/${encodeURIComponent(fileName)}`;
}

/** Builds the prepared responses of a version from its validation report. */
export function prepareRelease(input: PrepareReleaseInput): PreparedRelease {
  const { namespace, type, version } = input;
  const file = (fileName: string) => formatFilePath(namespace, type, version, fileName);
  const key: GpgPublicKey = { key_id: input.key.keyId, ascii_armor: input.key.asciiArmor, trust_signature: '' };
  if (input.key.source !== undefined) key.source = input.key.source;
  if (input.key.sourceUrl !== undefined) key.source_url = input.key.sourceUrl;
  const prepared: PreparedRelease = {
    protocols: [...input.protocols],
    platforms: [],
    downloads: {},
    mirror: { archives: {} },
    files: Object.fromEntries(input.files.map((f) => [f.fileName, { sha256: f.sha256, size: f.size }])),
    keyId: input.key.keyId,
    fingerprint: input.report.fingerprint,
  };
  for (const platform of input.report.platforms) {
    const { os, arch } = parsePlatform(platform.platform);
    const filename = formatZipName(type, version, platform.platform);
    prepared.platforms.push({ os, arch });
    prepared.downloads[platform.platform] = {
      protocols: [...input.protocols],
      os,
      arch,
      filename,
      download_url: file(filename),
      shasums_url: file(formatShasumsName(type, version)),
      shasums_signature_url: file(formatSignatureName(type, version)),
      shasum: platform.sha256,
      signing_keys: { gpg_public_keys: [key] },
    };
    // Both hashes, so one mirror install can be checked against a registry-made lock file and vice versa.
    prepared.mirror.archives[platform.platform] = {
      url: file(filename),
      hashes: [platform.h1, platform.zh].filter((h): h is string => h !== undefined),
    };
  }
  return prepared;
}
