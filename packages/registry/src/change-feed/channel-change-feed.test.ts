import { describe, expect, it } from 'vitest';

import { createChannelPair, type MessageChannelLike } from '../storage/remote-metadata-store';
import type { ChangeEvent, ChangeFeed } from './change-feed';
import { createChannelChangeFeed } from './channel-change-feed';

const published = (version: string) =>
  ({ kind: 'version.published', namespace: 'acme', type: 'hello', version }) as const;
const revoked = { kind: 'token.revoked', tokenId: 't1' } as const;

/** What a feed's subscriber heard. */
function listen(feed: ChangeFeed): ChangeEvent[] {
  const heard: ChangeEvent[] = [];
  feed.subscribe((event) => heard.push(event));
  return heard;
}

/**
 * A hub (the primary, relaying or not) with one channel per worker, each worker a feed on its end. A channel
 * delivers in order, so once a worker heard a later event, anything wrongly sent to it before has arrived too.
 */
function createHub(workers: number, relay: boolean) {
  const pairs = Array.from({ length: workers }, () => createChannelPair());
  const hub = createChannelChangeFeed({ channels: pairs.map(([hubEnd]) => hubEnd), relay });
  const feeds = pairs.map(([, workerEnd]) => createChannelChangeFeed({ channels: [workerEnd] }));
  return { hub, hubHeard: listen(hub), feeds, heard: feeds.map(listen) };
}

describe('createChannelChangeFeed', () => {
  it("delivers a publish to this process's subscribers at once and to the other end", async () => {
    const [a, b] = createChannelPair();
    const here = createChannelChangeFeed({ channels: [a] });
    const there = createChannelChangeFeed({ channels: [b] });
    const [heardHere, heardThere] = [listen(here), listen(there)];
    await here.publish(published('1.0.0'));
    expect(heardHere).toEqual([published('1.0.0')]);
    await expect.poll(() => heardThere).toEqual([published('1.0.0')]);
    await there.publish(revoked);
    await expect.poll(() => heardHere).toEqual([published('1.0.0'), revoked]);
    expect(heardThere).toEqual([published('1.0.0'), revoked]); // not echoed back
  });

  it('relays, as a hub, an event from one channel to the other channels and not back to its sender', async () => {
    const { hub, hubHeard, feeds, heard } = createHub(3, true);
    await feeds[0]!.publish(published('1.0.0'));
    await expect.poll(() => [heard[1], heard[2]]).toEqual([[published('1.0.0')], [published('1.0.0')]]);
    expect(hubHeard).toEqual([published('1.0.0')]);
    await hub.publish(revoked);
    await expect.poll(() => heard[0]).toEqual([published('1.0.0'), revoked]); // its own event once, no echo
  });

  it('does not relay without relay: true', async () => {
    const { hub, hubHeard, feeds, heard } = createHub(2, false);
    await feeds[0]!.publish(published('1.0.0'));
    await expect.poll(() => hubHeard).toEqual([published('1.0.0')]);
    await hub.publish(revoked);
    await expect.poll(() => heard[1]).toEqual([revoked]);
  });

  it('drops tagged messages that are no change event, reporting them, and ignores foreign ones', async () => {
    const [a, b] = createChannelPair();
    const errors: unknown[] = [];
    const feed = createChannelChangeFeed({ channels: [b], onError: (e) => errors.push(e) });
    const heard = listen(feed);
    for (const message of [
      null,
      'text',
      { signet: 'store', id: 'x', ok: true, value: { data: 1, undefinedAt: [] } },
      { signet: 'change' },
      { signet: 'change', event: { kind: 'version.published', namespace: 'acme' } },
      { signet: 'change', event: { kind: 'resync' } },
      { signet: 'change', event: { ...revoked, tokenId: '' } },
      { signet: 'change', event: revoked },
    ]) {
      a.send(message);
    }
    await expect.poll(() => heard).toEqual([revoked]);
    expect(errors).toHaveLength(4);
    expect(String(errors[0])).toMatch(/not a change event/);
  });

  it('stops delivering to a handler that unsubscribed, and stops listening and sending once closed', async () => {
    const [a, b] = createChannelPair();
    const here = createChannelChangeFeed({ channels: [a] });
    const there = createChannelChangeFeed({ channels: [b] });
    const heardThere = listen(there);
    const heardHere: ChangeEvent[] = [];
    const unsubscribe = here.subscribe((event) => heardHere.push(event));
    const arrivedHere: unknown[] = [];
    a.onMessage((message) => arrivedHere.push(message));

    unsubscribe();
    await here.publish(published('1.0.0'));
    await expect.poll(() => heardThere).toEqual([published('1.0.0')]);
    expect(heardHere).toEqual([]);

    here.subscribe((event) => heardHere.push(event));
    await here.close();
    await here.close();
    await here.publish(published('2.0.0'));
    expect(heardHere).toEqual([published('2.0.0')]); // its own subscribers still hear it
    await there.publish(revoked);
    await expect.poll(() => arrivedHere).toHaveLength(1); // it reached the closed feed's channel, …
    expect(heardHere).toEqual([published('2.0.0')]); // … which no longer listens
    a.send({ signet: 'change', event: published('3.0.0') });
    await expect.poll(() => heardThere).toEqual([published('1.0.0'), revoked, published('3.0.0')]); // 2.0.0 never sent
  });

  it('reports a channel whose send throws and still sends to the others', async () => {
    const errors: unknown[] = [];
    const broken: MessageChannelLike = {
      send: () => {
        throw new Error('Channel closed');
      },
      onMessage: () => () => {},
    };
    const [a, b] = createChannelPair();
    const feed = createChannelChangeFeed({ channels: [broken, a], onError: (e) => errors.push(e) });
    const heard = listen(createChannelChangeFeed({ channels: [b] }));
    await feed.publish(revoked);
    await expect.poll(() => heard).toEqual([revoked]);
    expect(errors).toEqual([new Error('Channel closed')]);
  });

  it('sends to the channels a function yields at each publish, and listens to those added until removed', async () => {
    const channels: MessageChannelLike[] = [];
    const hub = createChannelChangeFeed({ channels: () => channels, relay: true });
    const hubHeard = listen(hub);
    const [toFirst, first] = createChannelPair();
    const [toSecond, second] = createChannelPair();
    const firstFeed = createChannelChangeFeed({ channels: [first] });
    const secondFeed = createChannelChangeFeed({ channels: [second] });
    const [firstHeard, secondHeard] = [listen(firstFeed), listen(secondFeed)];

    channels.push(toFirst);
    await hub.publish(published('1.0.0'));
    await expect.poll(() => firstHeard).toEqual([published('1.0.0')]);

    const remove = hub.addChannel(toSecond);
    await secondFeed.publish(revoked); // heard by the hub and relayed to the first worker
    await expect.poll(() => firstHeard).toEqual([published('1.0.0'), revoked]);
    expect(hubHeard).toEqual([published('1.0.0'), revoked]);

    remove();
    await secondFeed.publish(published('2.0.0'));
    await hub.publish(published('3.0.0'));
    await expect.poll(() => firstHeard).toEqual([published('1.0.0'), revoked, published('3.0.0')]);
    expect(hubHeard).toEqual([published('1.0.0'), revoked, published('3.0.0')]);
    expect(secondHeard).toEqual([revoked, published('2.0.0')]); // removed: no longer sent to either
  });
});
