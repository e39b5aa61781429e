import type { BlobStore } from '../storage/blob-store';
import type { MetadataStore } from '../storage/metadata-store';

/**
 * Removes bytes that no file record references any more, without ever removing bytes that a concurrent upload is
 * about to reference. The blob store is content-addressed and shared by every version, so "the draft I delete used
 * digest X" does not mean X is unused: another draft, a published version, or an upload in flight may name it.
 *
 * Why a per-digest lock in this process, and not only a reference check in the store: an upload finds identical
 * bytes already stored, then writes its record a moment later; a removal that checks references in between would
 * see none and delete the bytes the new record names. So "commit the bytes + write the record" (`hold`) and "check
 * references + delete" (`collect`) exclude each other per digest. That is exact for the embedded backends, which
 * one process owns (the SQLite store and the blob folder both refuse a second process). A backend shared by many
 * replicas (PostgreSQL + object storage) needs the same exclusion across processes, e.g. a row per upload in
 * flight or a grace period before deleting; this interface is where it would go.
 */
export interface BlobKeeper {
  /** Runs `fn` while no removal of `sha256` runs (in this process); removals wait, as do other holds of it. */
  hold<T>(sha256: string, fn: () => Promise<T>): Promise<T>;
  /** Deletes each blob that no record references once its turn comes; a referenced one stays. */
  collect(digests: Iterable<string>): Promise<void>;
}

/** A keeper over one metadata store and one blob store. */
export function createBlobKeeper(metadata: MetadataStore, blobs: BlobStore): BlobKeeper {
  // The tail of each digest's queue; an entry lives only while someone holds or waits for that digest.
  const tails = new Map<string, Promise<void>>();

  async function hold<T>(sha256: string, fn: () => Promise<T>): Promise<T> {
    const previous = tails.get(sha256) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    tails.set(sha256, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (tails.get(sha256) === tail) tails.delete(sha256);
    }
  }

  return {
    hold,
    async collect(digests) {
      for (const sha256 of new Set(digests)) {
        await hold(sha256, async () => {
          if (!(await metadata.isBlobReferenced(sha256))) await blobs.delete(sha256);
        });
      }
    },
  };
}
