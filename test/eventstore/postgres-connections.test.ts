import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventStore } from "../../eventstore/open";
import { EventStoreUnavailable } from "../../eventstore/port";
import { PgClient } from "../../eventstore/postgres/pg-client";
import { PostgresEventStore } from "../../eventstore/postgres/store";
import {
  createPostgresTestStore,
  testDatabaseUrl,
  withRawClient,
  type TestEventStore,
} from "../support/eventstores";
import { events, iterate, nextBatch, stillPendingAfter, uniqueStream } from "./helpers";
import { refusedDatabaseUrl } from "./postgres-sql";

/** What only a server store does: connections that fail, drop, and LISTEN across processes. */
describe("PostgreSQL connections", () => {
  let handle: TestEventStore;

  beforeAll(async () => {
    handle = await createPostgresTestStore();
  });
  afterAll(async () => {
    await handle.close();
  });

  it("an unreachable server surfaces as EventStoreUnavailable", async () => {
    await expect(openEventStore(refusedDatabaseUrl(), { schema: handle.schema })).rejects.toBeInstanceOf(
      EventStoreUnavailable,
    );
    const store = new PostgresEventStore(
      new PgClient({ connectionString: refusedDatabaseUrl(), schema: handle.schema }),
      handle.schema,
    );
    try {
      await expect(store.ping()).rejects.toMatchObject({ code: "EVENT_STORE_UNAVAILABLE" });
      await expect(store.appendToStream(uniqueStream(), events(1))).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailable);
    } finally {
      await store.close();
    }
  });

  it("an append in another process wakes a subscriber through NOTIFY", { timeout: 10_000 }, async () => {
    const group = `cross-${uniqueStream()}`;
    const prefix = `${group}-`;
    await handle.store.createConsumerGroup(group, { filter: { streamPrefixes: [prefix] } });
    const otherProcess = await openEventStore(testDatabaseUrl, { schema: handle.schema });
    // An hour of idle wait: only the notification can deliver within the test's timeout.
    const subscription = handle.store.subscribe(group, { consumerName: "listener", idleWaitMs: 3_600_000 });
    try {
      const next = nextBatch(iterate(subscription));
      expect(await stillPendingAfter(next, 150)).toBe("pending");
      await otherProcess.appendToStream(`${prefix}1`, events(1));
      expect(await next).toHaveLength(1);
    } finally {
      await subscription.close();
      await otherProcess.close();
    }
  });

  it(
    "recovers when the server drops its connections, the LISTEN connection included",
    { timeout: 15_000 },
    async () => {
      const group = `dropped-${uniqueStream()}`;
      const prefix = `${group}-`;
      await handle.store.createConsumerGroup(group, { filter: { streamPrefixes: [prefix] } });
      const subscription = handle.store.subscribe(group, { consumerName: "survivor", idleWaitMs: 3_600_000 });
      try {
        const batches = iterate(subscription);
        const first = nextBatch(batches);
        await handle.store.appendToStream(`${prefix}1`, events(1));
        await subscription.ack(await first);

        const next = nextBatch(batches);
        expect(await stillPendingAfter(next, 100)).toBe("pending");
        const terminated = await withRawClient(handle.schema, async (client) => {
          const { rows } = await client.query<{ count: number }>(
            // The timeout makes pg_terminate_backend wait until each session has really ended.
            `SELECT count(pg_terminate_backend(pid, 5000))::int AS count
           FROM pg_stat_activity WHERE application_name = $1`,
            [handle.schema],
          );
          return rows[0]!.count;
        });
        expect(terminated).toBeGreaterThan(0);

        // The pool replaces dead connections; the listener reconnects and wakes the subscriber.
        await handle.store.appendToStream(`${prefix}2`, events(1));
        expect((await next).map((event) => event.streamId)).toEqual([`${prefix}2`]);
        await expect(handle.store.ping()).resolves.toBeUndefined();
      } finally {
        await subscription.close();
      }
    },
  );
});
