import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { IdempotencyKeyTaken, WrongExpectedRevision, type IdempotencyRecord } from "../../eventstore/port";
import { connectRaw, createPostgresTestStore, type TestEventStore } from "../support/eventstores";
import { eventually, events, uniqueStream } from "./helpers";
import { appendOnConnection, storeWaitsOnLock } from "./postgres-sql";

/**
 * Concurrency is decided in the database: a second appender waits on the first one's index entry
 * (the stream's next revision, or the idempotency key) and then sees its outcome. PostgreSQL-only: these tests hold one
 * transaction open while the store runs another, which PGlite's single connection cannot do.
 */
describe("PostgreSQL concurrent appends", () => {
  let handle: TestEventStore;
  let first: pg.Client;
  let observer: pg.Client;
  const store = () => handle.store;
  const waitUntilStoreBlocks = () => eventually(() => storeWaitsOnLock(observer, handle.schema));

  beforeAll(async () => {
    handle = await createPostgresTestStore();
    first = await connectRaw(handle.schema);
    observer = await connectRaw(handle.schema);
  });
  afterEach(async () => {
    await first.query("ROLLBACK").catch(() => {});
  });
  afterAll(async () => {
    await Promise.all([first.end(), observer.end()]);
    await handle.close();
  });

  function keyFor(streamId: string): IdempotencyRecord {
    return { key: `req-${randomUUID()}`, fingerprint: "f-1", streamId, answer: { streamId } };
  }

  it("a second request with the same idempotency key waits for the first, then fails and appends nothing", async () => {
    const record = keyFor(uniqueStream());
    await first.query("BEGIN");
    await appendOnConnection(first, record.streamId, events(1), "no_stream", record);

    const otherStream = uniqueStream();
    const second = store().appendToStream(otherStream, events(1), {
      idempotency: { ...record, streamId: otherStream },
    });
    second.catch(() => {});
    await waitUntilStoreBlocks();
    await first.query("COMMIT");

    await expect(second).rejects.toBeInstanceOf(IdempotencyKeyTaken);
    expect(await store().readStream(otherStream)).toEqual([]);
    expect(await store().readStream(record.streamId)).toHaveLength(1);
    expect((await store().readIdempotencyRecord(record.key))?.streamId).toBe(record.streamId);
  });

  it("when the first request with a key rolls back, the waiting one goes through", async () => {
    const record = keyFor(uniqueStream());
    await first.query("BEGIN");
    await appendOnConnection(first, record.streamId, events(1), "any", record);

    const second = store().appendToStream(record.streamId, events(2), { idempotency: record });
    await waitUntilStoreBlocks();
    await first.query("ROLLBACK");

    expect((await second).nextRevision).toBe(1);
    expect((await store().readIdempotencyRecord(record.key))?.appended?.nextRevision).toBe(1);
  });

  it("many concurrent requests with one key append once", async () => {
    const streamId = uniqueStream();
    const record = keyFor(streamId);
    const attempts = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store().appendToStream(i % 2 ? streamId : uniqueStream(), events(1), { idempotency: record }),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
    for (const attempt of attempts) {
      if (attempt.status === "rejected") expect(attempt.reason).toBeInstanceOf(IdempotencyKeyTaken);
    }
  });

  it("an append waiting on another's write of the same revision sees it committed and is refused", async () => {
    const stream = uniqueStream();
    await store().appendToStream(stream, events(1));
    await first.query("BEGIN");
    await appendOnConnection(first, stream, events(1), 0);

    const second = store().appendToStream(stream, events(1), { expectedRevision: 0 });
    second.catch(() => {});
    await waitUntilStoreBlocks();
    await first.query("COMMIT");

    await expect(second).rejects.toBeInstanceOf(WrongExpectedRevision);
    await expect(second).rejects.toMatchObject({ expected: 0, actual: 1 });
    expect(await store().readStream(stream)).toHaveLength(2);
  });

  it("an event written around the store counts: an append expecting the revision before it is refused", async () => {
    const stream = uniqueStream();
    await store().appendToStream(stream, events(1));
    await first.query(
      `INSERT INTO events (id, stream_id, revision, type, data) VALUES (gen_random_uuid(), $1, 1, 'Sneaked', '{}')`,
      [stream],
    );
    await expect(store().appendToStream(stream, events(1), { expectedRevision: 0 })).rejects.toMatchObject({
      name: "WrongExpectedRevision",
      actual: 1,
    });
    expect(await store().readStream(stream)).toHaveLength(2);
  });

  it("concurrent appends expecting any revision all go through, in revisions without a gap", async () => {
    const stream = uniqueStream();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        store().appendToStream(stream, events(2), { expectedRevision: "any" }),
      ),
    );
    expect(results.map((result) => result.nextRevision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => 2 * i + 1),
    );
    const written = await store().readStream(stream);
    expect(written.map((event) => event.revision)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // recorded_at grows with the revision: a later revision was written after the earlier committed.
    const times = written.map((event) => event.recordedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("an append expecting any revision, racing an open transaction for the next one, waits and goes after it", async () => {
    const stream = uniqueStream();
    await store().appendToStream(stream, events(1));
    await first.query("BEGIN");
    await appendOnConnection(first, stream, events(1), 0);

    const second = store().appendToStream(stream, events(1), { expectedRevision: "any" });
    await waitUntilStoreBlocks();
    await first.query("COMMIT");

    expect((await second).nextRevision).toBe(2);
    expect((await store().readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2]);
  });

  it("two appends creating the same stream: one wins, the other is refused", async () => {
    const stream = uniqueStream();
    await first.query("BEGIN");
    await appendOnConnection(first, stream, events(1), "no_stream");

    const second = store().appendToStream(stream, events(1), { expectedRevision: "no_stream" });
    second.catch(() => {});
    await waitUntilStoreBlocks();
    await first.query("COMMIT");

    await expect(second).rejects.toMatchObject({ name: "WrongExpectedRevision", actual: 0 });
  });
});
