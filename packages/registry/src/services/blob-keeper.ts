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
 * references + delete" (`collect`) exclude each other per digest. That is exact when one process serves the
 * stores (the embedded default without workers).
 *
 * When other processes write the same stores (`--workers`, replicas), their uploads do not take this lock, so
 * `graceMs` is given: a commit refreshes the blob's age (identical bytes included), and an unreferenced blob younger
 * than the grace is left alone and looked at again once the grace has passed (a process that stops before that
 * leaves it to `signet gc`). What is left is the moment between reading the age and deleting, as in gc.
 */
export interface BlobKeeper {
  /** Runs `fn` while no removal of `sha256` runs (in this process); removals wait, as do other holds of it. */
  hold<T>(sha256: string, fn: () => Promise<T>): Promise<T>;
  /** Deletes each blob that no record references once its turn comes; a referenced one stays. */
  collect(digests: Iterable<string>): Promise<void>;
}

export interface BlobKeeperOptions {
  /** Leave unreferenced blobs younger than this (ms) for later; 0 (default): one process serves the stores. */
  graceMs?: number | undefined;
  /** The clock, for tests. */
  now?: (() => number) | undefined;
  /** Where a deferred collection's failure goes (it has no request to fail). Default: a process warning. */
  onError?: ((error: unknown) => void) | undefined;
}

/** The grace of servers whose stores other processes write too: far longer than a commit and its record take. */
export const SHARED_STORE_BLOB_GRACE_MS = 60_000;

function warn(error: unknown): void {
  process.emitWarning(`Could not remove an unused blob after its grace period (signet gc will): ${String(error)}`);
}

/** A keeper over one metadata store and one blob store. */
export function createBlobKeeper(
  metadata: MetadataStore,
  blobs: BlobStore,
  options: BlobKeeperOptions = {},
): BlobKeeper {
  const graceMs = options.graceMs ?? 0;
  const now = options.now ?? Date.now;
  // The tail of each digest's queue; an entry lives only while someone holds or waits for that digest.
  const tails = new Map<string, Promise<void>>();
  const deferred = new Set<string>();

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

  function later(sha256: string): void {
    if (deferred.has(sha256)) return;
    deferred.add(sha256);
    setTimeout(() => {
      deferred.delete(sha256);
      collect([sha256]).catch((error: unknown) => (options.onError ?? warn)(error));
    }, graceMs).unref();
  }

  async function collect(digests: Iterable<string>): Promise<void> {
    for (const sha256 of new Set(digests)) {
      await hold(sha256, async () => {
        if (await metadata.isBlobReferenced(sha256)) return;
        if (graceMs > 0) {
          // Without `head` the age is unknown: keep it (gc, which lists ages, takes it later).
          const blob = blobs.head ? await blobs.head(sha256) : { lastModified: new Date(now()) };
          if (blob === undefined) return;
          if (now() - blob.lastModified.getTime() < graceMs) return later(sha256);
        }
        await blobs.delete(sha256);
      });
    }
  }

  return { hold, collect };
}
