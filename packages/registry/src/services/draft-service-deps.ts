import { DEFAULT_ZIP_LIMITS, type ZipLimits } from '@signet/core/node';

import type { BlobStore } from '../storage/blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { createBlobKeeper, type BlobKeeper } from './blob-keeper';
import { createFailedLeases, type FailedLeases } from './failed-leases';
import { createReportCache, type ReportCache, type ReportCacheOptions } from './report-cache';
import { createValidationGate, type ValidationGate, type ValidationGateOptions } from './validation-gate';

/** What the draft services (uploads, reports, publish, deletes) work with; one set per server. */
export interface DraftServiceDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  zipLimits: ZipLimits;
  /** Largest zip an upload may send; SHA256SUMS, `.sig` and manifest have the validator's caps (upload-limits.ts). */
  maxFileBytes: number;
  /** Most bytes the drafts of one namespace may hold together. */
  draftQuotaBytes: number;
  keeper: BlobKeeper;
  reports: ReportCache;
  validations: ValidationGate;
  /** Publish leases whose release failed, released before their draft's next change. */
  failedLeases: FailedLeases;
}

/** Options of `createDraftServiceDeps`; every limit has a default. */
export interface DraftServiceOptions {
  metadata: MetadataStore;
  blobs: BlobStore;
  zipLimits?: ZipLimits | undefined;
  /** Largest zip an upload may send. Default 1 GiB. */
  maxFileBytes?: number | undefined;
  /** Default 10 GiB: ten large multi-platform releases being assembled at once. */
  draftQuotaBytes?: number | undefined;
  reportCache?: ReportCacheOptions | undefined;
  /** `createBlobKeeper`'s grace: give `SHARED_STORE_BLOB_GRACE_MS` when other processes write the same stores. */
  replacedBlobGraceMs?: number | undefined;
  validations?: ValidationGateOptions | undefined;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;
export const DEFAULT_DRAFT_QUOTA_BYTES = 10 * 1024 ** 3;

/** The draft services' dependencies with their limits, caches and locks. */
export function createDraftServiceDeps(options: DraftServiceOptions): DraftServiceDeps {
  const { metadata, blobs } = options;
  return {
    metadata,
    blobs,
    zipLimits: options.zipLimits ?? DEFAULT_ZIP_LIMITS,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    draftQuotaBytes: options.draftQuotaBytes ?? DEFAULT_DRAFT_QUOTA_BYTES,
    keeper: createBlobKeeper(metadata, blobs, { graceMs: options.replacedBlobGraceMs }),
    reports: createReportCache(options.reportCache),
    validations: createValidationGate(options.validations),
    failedLeases: createFailedLeases(metadata),
  };
}
