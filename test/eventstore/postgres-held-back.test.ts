import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectRaw, createPostgresTestStore, type TestEventStore } from "../support/eventstores";
import { events, iterate, nextBatch, stillPendingAfter, uniqueStream } from "./helpers";

/**
 * An event that committed while an older transaction was still open is held back from readers
 * until that transaction ends (the log is gap-free). The append's notice has come and gone by
 * then, and the older transaction may be no append at all (a checkpoint's UPDATE, an operator's
 * session): nothing announces its end. A subscriber that found only held-back events after its
 * checkpoint looks again soon, not after its idle wait. PostgreSQL-only: it needs two
 * transactions open at once, and PGlite is one connection.
 */
describe("a consumer group whose next events are held back by an older transaction", () => {
  let handle: TestEventStore;
  let older: pg.Client;

  beforeAll(async () => {
    handle = await createPostgresTestStore();
    older = await connectRaw(handle.schema);
  });
  afterEach(async () => {
    await older.query("ROLLBACK").catch(() => {});
  });
  afterAll(async () => {
    await older.end();
    await handle.close();
  });

  it("gets them once that transaction ends, without waiting for its idle wait or another append", async () => {
    const store = handle.store;
    await store.createConsumerGroup("held-back", {});
    // An idle wait longer than the test may run: only the look-again can deliver in time.
    const subscription = store.subscribe("held-back", { consumerName: "waiter", idleWaitMs: 120_000 });
    const batches = iterate(subscription);
    try {
      const first = uniqueStream("account");
      await store.appendToStream(first, events(1));
      const before = await nextBatch(batches);
      await subscription.ack(before);

      // A transaction that took its id before the next append and is not an append itself.
      await older.query("BEGIN");
      await older.query("SELECT pg_current_xact_id()");
      const next = nextBatch(batches);
      const held = uniqueStream("account");
      await store.appendToStream(held, events(1));
      // The notice woke the subscriber; what it read was held back.
      expect(await stillPendingAfter(next, 300)).toBe("pending");

      await older.query("ROLLBACK");
      expect((await next).map((event) => event.streamId)).toEqual([held]);
    } finally {
      await subscription.close();
    }
  }, 20_000);
});
