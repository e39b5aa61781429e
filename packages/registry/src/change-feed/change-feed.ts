import { z } from 'zod';

/**
 * A change another replica's caches must hear of. Only what the read side or the token check caches is here:
 * versions (the read model), tokens (the token cache) and keys. `resync` is never sent: a feed delivers it to its
 * own subscribers when it may have missed events (its connection dropped), and they then drop everything.
 */
export type ChangeEvent =
  | {
      kind: 'version.published' | 'version.deprecated' | 'version.yanked' | 'version.restored';
      namespace: string;
      type: string;
      version: string;
    }
  | { kind: 'token.revoked'; tokenId: string }
  | { kind: 'key.changed'; namespace: string; keyId: string }
  | { kind: 'resync' };

/** The event kinds, for metrics labels and the wire check. */
export const CHANGE_EVENT_KINDS = [
  'version.published',
  'version.deprecated',
  'version.yanked',
  'version.restored',
  'token.revoked',
  'key.changed',
  'resync',
] as const satisfies readonly ChangeEvent['kind'][];

const name = z.string().min(1).max(256);
/** What a feed accepts from the wire: one event, nothing else (a payload from elsewhere is dropped). */
export const ChangeEventSchema: z.ZodType<ChangeEvent> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.enum(['version.published', 'version.deprecated', 'version.yanked', 'version.restored']),
    namespace: name,
    type: name,
    version: name,
  }),
  z.object({ kind: z.literal('token.revoked'), tokenId: name }),
  z.object({ kind: z.literal('key.changed'), namespace: name, keyId: name }),
  z.object({ kind: z.literal('resync') }),
]);

export type ChangeHandler = (event: ChangeEvent) => void;

/**
 * Tells every process serving one store what changed in it. `publish` resolves once the event is on its way (its
 * own subscribers have it already); `subscribe` returns the function that unsubscribes. Delivery is at most once
 * per connection: a feed that loses its connection delivers `resync` to its subscribers.
 */
export interface ChangeFeed {
  publish(event: Exclude<ChangeEvent, { kind: 'resync' }>): Promise<void>;
  subscribe(handler: ChangeHandler): () => void;
  /** Stops listening; `publish` after it only reaches this process's subscribers. Idempotent. */
  close(): Promise<void>;
}

/** Calls each handler; one that throws does not keep the event from the others. */
export function deliverChange(
  handlers: Iterable<ChangeHandler>,
  event: ChangeEvent,
  onError?: (error: unknown) => void,
): void {
  for (const handler of handlers) {
    try {
      handler(event);
    } catch (error) {
      onError?.(error);
    }
  }
}

/**
 * The feed of one process: what the embedded default (one process per store) and tests use. Events reach this
 * process's subscribers synchronously.
 */
export function createInProcessChangeFeed(options: { onError?: (error: unknown) => void } = {}): ChangeFeed {
  const handlers = new Set<ChangeHandler>();
  return {
    publish(event) {
      deliverChange([...handlers], event, options.onError);
      return Promise.resolve();
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close: () => Promise.resolve(),
  };
}
