// Publish leases this process could not release. A publish that fails ends its lease (abortPublish); when that
// write fails too (a full disk, a database gone), the lease would stay in the store for PUBLISH_LEASE_MS and freeze
// the draft: every upload 409 UPLOAD_CONFLICT, every publish 409, for a publish known to be over. So the lease is
// kept here, and the draft's next change (upload, file delete, draft delete, publish) releases it first. Only this
// process knows: another process sharing the store sees the lease run out as it would after a crash.
import type { MetadataStore } from '../storage/metadata-store';

/** The draft a lease holds. */
export interface LeasedDraft {
  namespace: string;
  type: string;
  version: string;
}

export interface FailedLeases {
  /** Keeps `lease` of `draft`, whose release failed, until `settle` releases it or it runs out (`until`, ms). */
  remember(draft: LeasedDraft, lease: string, until: number): void;
  /**
   * Releases the lease a failed publish of `draft` left, if any. A release that fails again throws the store's
   * error (the store is still full or down: the change would meet it too), and the lease is kept for the next try.
   */
  settle(draft: LeasedDraft): Promise<void>;
}

export function createFailedLeases(metadata: MetadataStore, now: () => number = Date.now): FailedLeases {
  const leases = new Map<string, { lease: string; until: number }>();
  const keyOf = (d: LeasedDraft) => JSON.stringify([d.namespace, d.type, d.version]);
  // A lease past its end holds nothing in the store any more; dropping those bounds the map.
  const prune = () => {
    for (const [key, held] of leases) if (held.until <= now()) leases.delete(key);
  };
  return {
    remember(draft, lease, until) {
      prune();
      leases.set(keyOf(draft), { lease, until });
    },
    async settle(draft) {
      if (leases.size === 0) return;
      prune();
      const key = keyOf(draft);
      const held = leases.get(key);
      if (held === undefined) return;
      // abortPublish leaves a lease that is no longer this one alone, so a late or repeated release is harmless.
      await metadata.abortPublish(draft.namespace, draft.type, draft.version, held.lease);
      if (leases.get(key) === held) leases.delete(key);
    },
  };
}
