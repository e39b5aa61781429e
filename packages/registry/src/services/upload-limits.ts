import type { ArtifactName } from '@signet/core';

/**
 * How many bytes one upload may send, by artifact kind. Zips carry the provider and take `maxFileBytes`; the other
 * three are small text or binary files that the validator reads whole, so their caps are what keeps a draft report
 * cheap: a SHA256SUMS of 1 MiB lists thousands of files (a real one is ~2 KiB for 13 platforms), a detached
 * signature is under 1 KiB (RSA-4096, binary) and a manifest about 60 bytes; 64 KiB leaves room for anything real.
 */
export interface UploadLimits {
  maxFileBytes: number;
  maxShasumsBytes: number;
  maxSignatureBytes: number;
  maxManifestBytes: number;
}

/** 1 MiB for SHA256SUMS, 64 KiB for the `.sig` and the manifest (see `UploadLimits`). */
export const DEFAULT_SMALL_FILE_LIMITS = {
  maxShasumsBytes: 1024 ** 2,
  maxSignatureBytes: 64 * 1024,
  maxManifestBytes: 64 * 1024,
} as const satisfies Omit<UploadLimits, 'maxFileBytes'>;

/** The byte cap of one upload of this kind of artifact. */
export function uploadCapOf(kind: ArtifactName['kind'], limits: UploadLimits): number {
  const small = {
    shasums: limits.maxShasumsBytes,
    signature: limits.maxSignatureBytes,
    manifest: limits.maxManifestBytes,
  };
  return kind === 'zip' ? limits.maxFileBytes : Math.min(small[kind], limits.maxFileBytes);
}
