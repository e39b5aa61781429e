import type { MetadataStore } from '../storage/metadata-store';
import type { ChangeFeed } from './change-feed';

/** Counters the store's writes feed (metrics.ts), besides the change events. */
export interface StoreWriteHooks {
  /** A draft file was stored. */
  onUpload?: (() => void) | undefined;
  /** A version was published (the call that won). */
  onPublish?: (() => void) | undefined;
}

/**
 * The store, with each committed change the caches depend on published to `feed`: publish, deprecate, yank and
 * restore, token revocation, key added or removed. The event goes out after the store's call returned (so a
 * replica that hears it reads the new state), and the caller's answer waits for it. Every writer (routes,
 * services) goes through the one store handle the app was given, so none can forget to announce a change.
 */
export function withChangeEvents(
  metadata: MetadataStore,
  feed: ChangeFeed | undefined,
  hooks: StoreWriteHooks = {},
): MetadataStore {
  const announce = async (event: Parameters<ChangeFeed['publish']>[0]) => {
    if (feed) await feed.publish(event);
  };
  const overrides: Partial<MetadataStore> = {
    async publishVersion(namespace, type, version, prepared, condition) {
      const won = await metadata.publishVersion(namespace, type, version, prepared, condition);
      if (won) {
        hooks.onPublish?.();
        await announce({ kind: 'version.published', namespace, type, version });
      }
      return won;
    },
    async setDeprecation(namespace, type, version, message) {
      const record = await metadata.setDeprecation(namespace, type, version, message);
      await announce({ kind: 'version.deprecated', namespace, type, version });
      return record;
    },
    async setYanked(namespace, type, version, yanked) {
      const record = await metadata.setYanked(namespace, type, version, yanked);
      await announce({ kind: yanked ? 'version.yanked' : 'version.restored', namespace, type, version });
      return record;
    },
    async revokeToken(id) {
      const revoked = await metadata.revokeToken(id);
      // Also when it already was revoked: a replica that missed the first event hears it now.
      await announce({ kind: 'token.revoked', tokenId: id });
      return revoked;
    },
    async addKey(input) {
      const record = await metadata.addKey(input);
      await announce({ kind: 'key.changed', namespace: record.namespace, keyId: record.keyId });
      return record;
    },
    async deleteKey(namespace, keyId) {
      const deleted = await metadata.deleteKey(namespace, keyId);
      if (deleted) await announce({ kind: 'key.changed', namespace, keyId });
      return deleted;
    },
    async putFile(namespace, type, version, file, options) {
      const result = await metadata.putFile(namespace, type, version, file, options);
      hooks.onUpload?.();
      return result;
    },
  };
  // A Proxy, not a spread: a store may be a class whose methods live on its prototype.
  return new Proxy(metadata, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof MetadataStore];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
