import type { MessageChannelLike } from '../storage/remote-metadata-store';
import { ChangeEventSchema, deliverChange, type ChangeEvent, type ChangeFeed, type ChangeHandler } from './change-feed';

/** The tag of the feed's messages on a channel that also carries store calls and the cluster's own traffic. */
const TAG = 'change';

/** Options of `createChannelChangeFeed`. */
export interface ChannelChangeFeedOptions {
  /**
   * The channels to the other processes. An array is listened to and sent to. A function is read at each publish
   * (a set that changes, such as the cluster's workers) and only sent to: listen to a channel with `addChannel`.
   */
  channels: MessageChannelLike[] | (() => Iterable<MessageChannelLike>);
  /** Hub mode (the primary): an event from one channel is sent on to every other channel, never back to its sender. */
  relay?: boolean;
  /** A handler that threw, a channel whose `send` threw, a tagged message that is no event: reported, never thrown. */
  onError?: (e: unknown) => void;
}

/**
 * A ChangeFeed (change-feed/change-feed.ts) over one or more channels: what `publish` sends goes to this process's
 * subscribers and to every channel; what arrives from a channel goes to this process's subscribers (validated with
 * ChangeEventSchema; foreign messages ignored). The primary uses it as a hub: an event arriving from one channel is
 * relayed to the other channels (option `relay: true`). `addChannel` listens to (and sends to) one more channel
 * and returns the function that removes it. Delivery is at most once; a channel never carries `resync`.
 */
export function createChannelChangeFeed(
  options: ChannelChangeFeedOptions,
): ChangeFeed & { addChannel(c: MessageChannelLike): () => void } {
  const handlers = new Set<ChangeHandler>();
  /** The channels listened to, with their unsubscribe functions. */
  const listened = new Map<MessageChannelLike, () => void>();
  const report = (error: unknown) => options.onError?.(error);
  let closed = false;

  const targets = (): Set<MessageChannelLike> => {
    const given = typeof options.channels === 'function' ? options.channels() : options.channels;
    return new Set([...given, ...listened.keys()]);
  };
  const send = (event: ChangeEvent, except?: MessageChannelLike) => {
    for (const channel of targets()) {
      if (channel === except) continue;
      try {
        channel.send({ signet: TAG, event });
      } catch (error) {
        report(error); // that process is gone; the others still hear of the change
      }
    }
  };

  const addChannel = (channel: MessageChannelLike): (() => void) => {
    if (closed || listened.has(channel)) return () => {};
    const unsubscribe = channel.onMessage((message) => {
      if (typeof message !== 'object' || message === null || (message as { signet?: unknown }).signet !== TAG) return;
      const parsed = ChangeEventSchema.safeParse((message as { event?: unknown }).event);
      if (!parsed.success || parsed.data.kind === 'resync') {
        report(new Error('Ignored a change message from another process that is not a change event.'));
        return;
      }
      deliverChange([...handlers], parsed.data, report);
      if (options.relay === true) send(parsed.data, channel);
    });
    listened.set(channel, unsubscribe);
    return () => {
      if (listened.get(channel) !== unsubscribe) return;
      listened.delete(channel);
      unsubscribe();
    };
  };
  if (Array.isArray(options.channels)) for (const channel of options.channels) addChannel(channel);

  return {
    publish(event) {
      deliverChange([...handlers], event, report);
      if (!closed) send(event);
      return Promise.resolve();
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close() {
      closed = true;
      for (const unsubscribe of listened.values()) unsubscribe();
      listened.clear();
      return Promise.resolve();
    },
    addChannel,
  };
}
