import type { StoreLimit } from "../../support/eventstores";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  IdempotencyKeyTaken,
  WrongExpectedRevision,
  type EventLog,
  type IdempotencyRecord,
} from "../../../eventstore/port";
import { anEvent, events, idsOf, uniqueStream } from "../helpers";

function idempotencyRecord(streamId: string, key = `key-${randomUUID()}`): IdempotencyRecord {
  return { key, fingerprint: "sha256:request", streamId, answer: { accountId: streamId, ok: true } };
}

/** Optimistic concurrency (every append states the revision it expects) and idempotent commands
 * (a repeated request appends nothing) as the store sees them: expected revisions, event-id
 * repeats, idempotency records written with the append. */
export function appendConformance(log: () => EventLog, limits: readonly StoreLimit[] = []): void {
  describe("expected revision", () => {
    it("no_stream starts a stream at revision 0; nextRevision is the revision of the last event", async () => {
      const stream = uniqueStream();
      const first = await log().appendToStream(stream, events(3), { expectedRevision: "no_stream" });
      expect(first.nextRevision).toBe(2);
      const recorded = await log().readStream(stream);
      expect(recorded.map((event) => event.revision)).toEqual([0, 1, 2]);
      expect(first.position).toEqual(recorded[2]!.position);
    });

    it("no_stream on an existing stream throws WrongExpectedRevision and appends nothing", async () => {
      const stream = uniqueStream();
      await log().appendToStream(stream, events(1), { expectedRevision: "no_stream" });
      const refused = log().appendToStream(stream, events(1), { expectedRevision: "no_stream" });
      await expect(refused).rejects.toMatchObject({
        name: "WrongExpectedRevision",
        streamId: stream,
        expected: "no_stream",
        actual: 0,
      });
      await expect(refused).rejects.toBeInstanceOf(WrongExpectedRevision);
      expect(await log().readStream(stream)).toHaveLength(1);
    });

    it("stream_exists appends to an existing stream and refuses a missing one", async () => {
      const stream = uniqueStream();
      await expect(
        log().appendToStream(stream, events(1), { expectedRevision: "stream_exists" }),
      ).rejects.toMatchObject({ code: "WRONG_EXPECTED_REVISION", actual: "no_stream" });
      expect(await log().readStream(stream)).toEqual([]);
      await log().appendToStream(stream, events(1));
      const result = await log().appendToStream(stream, events(2), { expectedRevision: "stream_exists" });
      expect(result.nextRevision).toBe(2);
    });

    it("any appends whatever the stream's state (and is the default)", async () => {
      const stream = uniqueStream();
      expect((await log().appendToStream(stream, events(1), { expectedRevision: "any" })).nextRevision).toBe(
        0,
      );
      expect((await log().appendToStream(stream, events(1), { expectedRevision: "any" })).nextRevision).toBe(
        1,
      );
      expect((await log().appendToStream(stream, events(1))).nextRevision).toBe(2);
    });

    it("an exact revision appends when it is current; a stale one throws and appends nothing", async () => {
      const stream = uniqueStream();
      await log().appendToStream(stream, events(2));
      expect((await log().appendToStream(stream, events(1), { expectedRevision: 1 })).nextRevision).toBe(2);
      await expect(log().appendToStream(stream, events(2), { expectedRevision: 1 })).rejects.toMatchObject({
        name: "WrongExpectedRevision",
        expected: 1,
        actual: 2,
      });
      await expect(
        log().appendToStream(uniqueStream(), events(1), { expectedRevision: 0 }),
      ).rejects.toMatchObject({ actual: "no_stream" });
      expect(await log().readStream(stream)).toHaveLength(3);
    });

    it("of several appends with the same expected revision, exactly one wins", async () => {
      const stream = uniqueStream();
      await log().appendToStream(stream, events(1));
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, () => log().appendToStream(stream, events(2), { expectedRevision: 0 })),
      );
      const won = attempts.filter((attempt) => attempt.status === "fulfilled");
      const lost = attempts.filter((attempt) => attempt.status === "rejected");
      expect(won).toHaveLength(1);
      for (const attempt of lost) expect(attempt.reason).toBeInstanceOf(WrongExpectedRevision);
      expect(await log().readStream(stream)).toHaveLength(3);
    });

    it("refuses malformed appends with a clear error", async () => {
      const stream = uniqueStream();
      await expect(log().appendToStream(stream, [])).rejects.toMatchObject({ code: "INVALID_APPEND" });
      await expect(log().appendToStream(stream, [{ ...anEvent(), id: "not-a-uuid" }])).rejects.toThrow(
        /not a UUID/,
      );
      const event = anEvent();
      await expect(log().appendToStream(stream, [event, event])).rejects.toThrow(/twice/);
      expect(await log().readStream(stream)).toEqual([]);
    });
  });

  describe("event ids", () => {
    it("a repeated append of the same ids answers the first result and adds nothing, even later", async () => {
      const stream = uniqueStream();
      const batch = events(2);
      const first = await log().appendToStream(stream, batch, { expectedRevision: "no_stream" });
      await log().appendToStream(stream, events(3));

      expect(await log().appendToStream(stream, batch, { expectedRevision: "no_stream" })).toEqual(first);
      if (!limits.includes("repeat-needs-original-revision")) {
        expect(await log().appendToStream(stream, batch, { expectedRevision: 4 })).toEqual(first);
      }
      expect(await log().appendToStream(stream, batch)).toEqual(first);
      expect(await log().readStream(stream)).toHaveLength(5);
    });

    it("ids partly appended before are an error, and nothing is appended", async () => {
      const stream = uniqueStream();
      const [a, b] = events(2);
      await log().appendToStream(stream, [a!]);
      await expect(log().appendToStream(stream, [a!, b!])).rejects.toMatchObject({
        code: "EVENT_IDS_ALREADY_USED",
        usedIds: [a!.id],
      });
      expect(idsOf(await log().readStream(stream))).toEqual([a!.id]);
    });

    it.skipIf(limits.includes("no-global-id-index"))(
      "ids already used in another stream are an error",
      async () => {
        const event = anEvent();
        const elsewhere = uniqueStream();
        await log().appendToStream(elsewhere, [event]);
        const stream = uniqueStream();
        await expect(log().appendToStream(stream, [event])).rejects.toThrow(
          new RegExp(`already appended to stream ${elsewhere}`),
        );
        expect(await log().readStream(stream)).toEqual([]);
      },
    );
  });

  describe("idempotency records", () => {
    it("are stored with the append and read back with its result", async () => {
      const stream = uniqueStream();
      const record = idempotencyRecord(stream);
      const result = await log().appendToStream(stream, events(2), { idempotency: record });
      expect(await log().readIdempotencyRecord(record.key)).toEqual({ ...record, appended: result });
      expect(await log().readIdempotencyRecord(`missing-${randomUUID()}`)).toBeNull();
    });

    it("a second append with a taken key fails with IdempotencyKeyTaken and appends nothing", async () => {
      const first = uniqueStream();
      const record = idempotencyRecord(first);
      await log().appendToStream(first, events(1), { idempotency: record });
      const second = uniqueStream();
      const refused = log().appendToStream(second, events(1), {
        idempotency: { ...record, streamId: second },
      });
      await expect(refused).rejects.toBeInstanceOf(IdempotencyKeyTaken);
      await expect(refused).rejects.toMatchObject({ key: record.key });
      expect(await log().readStream(second)).toEqual([]);
      expect((await log().readIdempotencyRecord(record.key))?.streamId).toBe(first);
    });

    it("a taken key is IdempotencyKeyTaken even when the append's expected revision no longer holds", async () => {
      // The retry of a command whose first attempt committed: same key, the revision it read then.
      const stream = uniqueStream();
      const record = idempotencyRecord(stream);
      await log().appendToStream(stream, events(1), { expectedRevision: "no_stream", idempotency: record });
      const refused = log().appendToStream(stream, events(1), {
        expectedRevision: "no_stream",
        idempotency: record,
      });
      await expect(refused).rejects.toBeInstanceOf(IdempotencyKeyTaken);
      expect(await log().readStream(stream)).toHaveLength(1);
    });

    it("are not kept when the append is refused", async () => {
      const stream = uniqueStream();
      await log().appendToStream(stream, events(1));
      const record = idempotencyRecord(stream);
      await expect(
        log().appendToStream(stream, events(1), { expectedRevision: "no_stream", idempotency: record }),
      ).rejects.toBeInstanceOf(WrongExpectedRevision);
      expect(await log().readIdempotencyRecord(record.key)).toBeNull();
    });

    it("a repeat of earlier ids under a new key records the key against the earlier append", async () => {
      const stream = uniqueStream();
      const batch = events(2);
      const first = await log().appendToStream(stream, batch);
      await log().appendToStream(stream, events(1));
      const record = idempotencyRecord(stream);
      expect(await log().appendToStream(stream, batch, { expectedRevision: 0, idempotency: record })).toEqual(
        first,
      );
      expect((await log().readIdempotencyRecord(record.key))?.appended).toEqual(first);
    });
  });
}
