import type { Authenticator } from '../http/auth';
import type { ReadModel } from '../http/read-model';
import type { ChangeEvent, ChangeFeed } from './change-feed';

export interface CacheInvalidationTargets {
  readModel: ReadModel;
  auth: Authenticator;
  /** Called once per cache dropped, with the event's kind (the metrics' cache-invalidation counter). */
  onInvalidate?: ((kind: ChangeEvent['kind']) => void) | undefined;
}

/**
 * Keeps this process's caches in step with the store: each version event drops that provider's view, a revoked
 * token drops the token cache, `resync` (the feed may have missed events) drops both whole. Key changes touch no
 * cache of the read side (a published version serves the key it was signed with, from its prepared record).
 * Returns the function that unsubscribes.
 */
export function subscribeCacheInvalidation(feed: ChangeFeed, targets: CacheInvalidationTargets): () => void {
  return feed.subscribe((event) => {
    switch (event.kind) {
      case 'version.published':
      case 'version.deprecated':
      case 'version.yanked':
      case 'version.restored':
        targets.readModel.invalidate(event.namespace, event.type);
        break;
      case 'token.revoked':
        targets.auth.invalidate();
        break;
      case 'key.changed':
        return;
      case 'resync':
        targets.readModel.invalidateAll();
        targets.auth.invalidate();
        break;
      default:
        event satisfies never;
        return;
    }
    targets.onInvalidate?.(event.kind);
  });
}
