import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparePositions } from "../../eventstore/position";
import { createPostgresTestStore, type TestEventStore } from "../support/eventstores";
import { eventually, events, iterate, nextBatch, uniqueStream } from "./helpers";

/**
 * A filtered consumer group that finds nothing of its own moves its checkpoint over what it
 * skipped, so the next fetch does not scan those events again (they cost every wake-up otherwise).
 */
describe("a filtered consumer group with nothing to deliver", () => {
  let handle: TestEventStore;
  beforeAll(async () => {
    handle = await createPostgresTestStore();
  });
  afterAll(async () => {
    await handle.close();
  });

  it("moves its checkpoint to the head over events it skips, and still delivers the next one of its own", async () => {
    const store = handle.store;
    await store.createConsumerGroup("orders-only", { filter: { streamPrefixes: ["order-"] } });
    const subscription = store.subscribe("orders-only", { consumerName: "skipper", idleWaitMs: 20 });
    const batches = iterate(subscription);
    try {
      const first = uniqueStream("order");
      await store.appendToStream(first, events(1));
      const own = await nextBatch(batches);
      expect(own.map((e) => e.streamId)).toEqual([first]);
      await subscription.ack(own);

      // Waiting for the next batch: the subscription polls, finds nothing of its own.
      const next = nextBatch(batches);
      for (let i = 0; i < 20; i++) await store.appendToStream(uniqueStream("account"), events(5));
      const head = (await store.headPosition())!;
      await eventually(async () => {
        const group = await store.getConsumerGroup("orders-only");
        return (
          group?.checkpoint !== null &&
          group?.checkpoint !== undefined &&
          comparePositions(group.checkpoint, head) >= 0
        );
      });

      const second = uniqueStream("order");
      await store.appendToStream(second, events(2));
      expect((await next).map((e) => [e.streamId, e.revision])).toEqual([
        [second, 0],
        [second, 1],
      ]);
    } finally {
      await subscription.close();
    }
  });
});
