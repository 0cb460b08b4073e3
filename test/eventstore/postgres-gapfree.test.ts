import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Position, RecordedEvent } from "../../eventstore/port";
import { comparePositions } from "../../eventstore/position";
import { connectRaw, createPostgresTestStore, type TestEventStore } from "../support/eventstores";
import {
  anEvent,
  eventually,
  events,
  idsOf,
  iterate,
  nextBatch,
  stillPendingAfter,
  uniqueStream,
} from "./helpers";
import { appendOnConnection } from "./postgres-sql";

/**
 * The global log is gap-free (a reader that passed a position never finds an event before it
 * later), here on a real server: a transaction that took its sequence number first but commits
 * last must not be skipped by readers of the global log. PostgreSQL-only: it needs a second
 * transaction open at the same time, and PGlite is one connection.
 *
 * Every PostgreSQL transaction in the cluster holds the snapshot's xmin back, other test files' too;
 * so these tests wait for what must become visible, and hold their own transaction only briefly.
 */
describe("PostgreSQL global log is gap-free", () => {
  let handle: TestEventStore;
  let slow: pg.Client;
  const store = () => handle.store;

  beforeAll(async () => {
    handle = await createPostgresTestStore();
    slow = await connectRaw(handle.schema);
  });
  afterEach(async () => {
    await slow.query("ROLLBACK").catch(() => {});
  });
  afterAll(async () => {
    await slow.end();
    await handle.close();
  });

  /** A reader that keeps its place, as a projector does: each read continues after the last event. */
  function follower(from: Position | null) {
    let position = from;
    const seen: RecordedEvent[] = [];
    return {
      seen,
      read: async () => {
        const found = await store().readAll({ after: position ?? undefined });
        seen.push(...found);
        position = found.at(-1)?.position ?? position;
        return found;
      },
    };
  }

  async function visibleHead(atLeast: Position): Promise<void> {
    await eventually(async () => {
      const head = await store().headPosition();
      return head !== null && comparePositions(head, atLeast) >= 0;
    });
  }

  it("hides commits that follow a still-running transaction, then delivers everything in order", async () => {
    const before = await store().appendToStream(uniqueStream("before"), events(1));
    await visibleHead(before.position);
    const reader = follower(before.position);

    const held = anEvent("SlowCommitted");
    await slow.query("BEGIN");
    await appendOnConnection(slow, uniqueStream("slow"), [held]);
    const fastStream = uniqueStream("fast");
    await store().appendToStream(fastStream, events(2));
    const lastFast = await store().appendToStream(fastStream, events(1));

    expect(await reader.read()).toEqual([]);
    expect(await store().headPosition()).not.toEqual(lastFast.position);
    expect(comparePositions((await store().headPosition())!, lastFast.position)).toBeLessThan(0);
    expect(await store().countAfter(before.position)).toBe(0);
    // The stream itself is not held back: an aggregate reads its own writes at once.
    expect(await store().readStream(fastStream)).toHaveLength(3);

    await slow.query("COMMIT");
    await visibleHead(lastFast.position);
    await reader.read();

    const fast = await store().readStream(fastStream);
    expect(idsOf(reader.seen)).toEqual([held.id, ...idsOf(fast)]);
    // The held transaction took the smaller sequence number and still comes first in the log.
    const [slowEvent, ...fastEvents] = reader.seen;
    for (const event of fastEvents) {
      expect(slowEvent!.position.prepare).toBeLessThan(event.position.prepare);
      expect(comparePositions(slowEvent!.position, event.position)).toBeLessThan(0);
    }
    expect(await store().countAfter(before.position)).toBe(4);
  });

  it("moves on when the running transaction rolls back", async () => {
    const start = await store().appendToStream(uniqueStream("before"), events(1));
    await visibleHead(start.position);
    const reader = follower(start.position);

    await slow.query("BEGIN");
    await appendOnConnection(slow, uniqueStream("abandoned"), events(1));
    const fast = await store().appendToStream(uniqueStream("fast"), events(1));
    expect(await reader.read()).toEqual([]);

    await slow.query("ROLLBACK");
    await visibleHead(fast.position);
    await reader.read();
    expect(reader.seen.map((event) => event.position)).toEqual([fast.position]);
  });

  it("a consumer group waits for the running transaction, then delivers it first", async () => {
    const prefix = `gap${Date.now()}-`;
    const group = `gapfree-${prefix}`;
    await store().createConsumerGroup(group, { filter: { streamPrefixes: [prefix] } });
    const subscription = store().subscribe(group, { consumerName: "projector", idleWaitMs: 20 });
    try {
      const batches = iterate(subscription);
      const held = anEvent("SlowCommitted");
      await slow.query("BEGIN");
      await appendOnConnection(slow, `${prefix}slow`, [held]);
      const fast = await store().appendToStream(`${prefix}fast`, events(1));

      const next = nextBatch(batches);
      expect(await stillPendingAfter(next, 150)).toBe("pending");
      await slow.query("COMMIT");
      const delivered = [...(await next)];
      await subscription.ack(delivered);
      while (delivered.length < 2) {
        const more = await nextBatch(batches);
        await subscription.ack(more);
        delivered.push(...more);
      }
      expect(idsOf(delivered)).toEqual([held.id, ...idsOf(await store().readStream(`${prefix}fast`))]);
      expect((await store().getConsumerGroup(group))?.checkpoint).toEqual(fast.position);
    } finally {
      await subscription.close();
    }
  });
});
