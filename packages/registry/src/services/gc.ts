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
 * grace period. A blob's age is its last write, and every backend rewrites that when an upload commits bytes that were
 * already stored, so an old orphan an upload has just found, and is about to name, is young again. Right before each
 * delete the blob's age (`BlobStore.head`, where the store has it) and its references are read again, so an upload
 * committed or a record written since the listing keeps the blob. What is left is a window of two store round trips
 * per deleted blob (read age, read references, delete) in which a whole upload commit would have to land; give a grace
 * period longer than the longest upload.
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
      // The listing can be minutes old by now (pages of a large bucket): read the age again, then the references.
      const fresh = blobs.head ? await blobs.head(blob.sha256) : blob;
      if (fresh === undefined) continue; // gone already (another collector)
      if (now - fresh.lastModified.getTime() < graceMs) {
        report.young += 1;
        continue;
      }
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
