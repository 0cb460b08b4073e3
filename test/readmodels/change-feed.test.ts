import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRedisUrl } from "../../gameday/lib/redis-keys";
import { ChangeFeed } from "../../readmodels/change-feed";

/**
 * One read of a change for every subscriber of its channel, against real Redis pub/sub: the
 * subscribers that wait for the same change share a read begun after its notice; one that has seen
 * a later notice never gets a read begun before it.
 */

const channel = `test:${randomBytes(6).toString("hex")}:changes`;
let subscriber: Redis;
let publisher: Redis;
let feed: ChangeFeed;

beforeAll(async () => {
  subscriber = new Redis(testRedisUrl);
  publisher = new Redis(testRedisUrl);
  feed = new ChangeFeed(subscriber);
});
afterAll(async () => {
  subscriber.disconnect();
  await publisher.quit();
});

describe("reads of a channel's changes", () => {
  it("are shared by the subscribers asking for the same changes after the same notice", async () => {
    const listeners = Array.from({ length: 50 }, () => feed.listen(channel));
    await Promise.all(listeners.map((listener) => listener.ready));
    await publisher.publish(channel, "1:1");
    await Promise.all(listeners.map((listener) => listener.notices.next()));

    let reads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const read = async () => {
      reads++;
      await gate;
      return { changes: [reads], complete: true };
    };
    const answers = listeners.map(() => feed.readOnce(channel, "0:0", read));
    expect(reads).toBe(1);

    // A later notice arrives while that read is in flight: whoever asks now gets a read of its own.
    await publisher.publish(channel, "2:2");
    await Promise.all(listeners.map((listener) => listener.notices.next()));
    const later = feed.readOnce(channel, "0:0", read);
    expect(reads).toBe(2);
    // Another position is another read.
    const elsewhere = feed.readOnce(channel, "1:1", read);
    expect(reads).toBe(3);

    release();
    const results = await Promise.all(answers);
    expect(new Set(results).size).toBe(1);
    expect(await later).not.toBe(results[0]);
    await elsewhere;

    // Once settled, nothing is kept: the next ask reads again.
    await feed.readOnce(channel, "0:0", read);
    expect(reads).toBe(4);
    for (const listener of listeners) listener.close();
  });
});
