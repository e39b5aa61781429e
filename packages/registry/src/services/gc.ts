import type { BlobStore } from '../storage/blob-store';
import type { MetadataStore } from '../storage/metadata-store';

export interface CollectGarbageOptions {
  metadata: MetadataStore;
  blobs: BlobStore;
  /**
   * Blobs stored less than this long ago are kept whatever references them: an upload stores its bytes before it
   * writes the file record that names them, so a young unreferenced blob may be an upload in flight.
   */
  graceMs: number;
  /** Report what would be deleted, delete nothing. */
  dryRun?: boolean | undefined;
  /** The clock; tests pass their own. */
  now?: (() => number) | undefined;
}

/** What a collection found and did. */
export interface GarbageReport {
  /** Blobs listed. */
  scanned: number;
  /** Kept: a file record of a published version or a draft names them. */
  referenced: number;
  /** Kept: younger than the grace period. */
  young: number;
  /** Deleted (or, with `dryRun`, would be), with their sizes. */
  deleted: { sha256: string; size: number }[];
  /** Bytes of `deleted`. */
  deletedBytes: number;
  dryRun: boolean;
}

/**
 * Deletes the blobs no file record references — of any version, published or draft — once they are older than the
 * grace period. The reference is checked again right before each delete, so a record written while the listing
 * ran keeps its blob. What the grace period covers and this does not: bytes an upload found already stored (an old
 * orphan with identical content) and names a moment later; run it with a grace period longer than the longest
 * upload, at a quiet time.
 */
export async function collectGarbage(options: CollectGarbageOptions): Promise<GarbageReport> {
  const { metadata, blobs, graceMs } = options;
  const now = (options.now ?? Date.now)();
  const dryRun = options.dryRun === true;
  const report: GarbageReport = { scanned: 0, referenced: 0, young: 0, deleted: [], deletedBytes: 0, dryRun };
  for await (const blob of blobs.list()) {
    report.scanned += 1;
    if (now - blob.lastModified.getTime() < graceMs) {
      report.young += 1;
      continue;
    }
    if (await metadata.isBlobReferenced(blob.sha256)) {
      report.referenced += 1;
      continue;
    }
    if (!dryRun) {
      if (await metadata.isBlobReferenced(blob.sha256)) {
        report.referenced += 1;
        continue;
      }
      if (!(await blobs.delete(blob.sha256))) continue; // gone already (another collector)
    }
    report.deleted.push({ sha256: blob.sha256, size: blob.size });
    report.deletedBytes += blob.size;
  }
  return report;
}
