import { randomUUID } from "node:crypto";
import type { EventData, KurrentDBClient } from "@kurrent/kurrentdb-client";
import { beforeEach, describe, expect, it } from "vitest";
import { appendEvents, earlierResult, validateAppend } from "../../eventstore/kurrentdb/append";
import {
  appendWithRecord,
  idempotencyStream,
  readIdempotencyRecord,
  recordState,
} from "../../eventstore/kurrentdb/idempotency";
import { KurrentIo } from "../../eventstore/kurrentdb/io";
import {
  EventStoreUnavailable,
  IdempotencyKeyTaken,
  WrongExpectedRevision,
  type EventToAppend,
  type IdempotencyRecord,
} from "../../eventstore/port";

/**
 * The append and idempotency logic against a stand-in for the client: an in-memory log with
 * KurrentDB's expected-revision rules and its (best effort) recognition of repeated event ids.
 * It answers appendToStream and readStream only, which is all these paths use.
 */
interface Stored {
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  revision: bigint;
  position: { commit: bigint; prepare: bigint };
  created: Date;
}

class FakeKurrent {
  readonly streams = new Map<string, Stored[]>();
  private logPosition = 100n;
  /** Set to make the next append to a stream fail after (or instead of) writing, as a dropped connection. */
  failNext: { stream: string; afterWrite: boolean } | null = null;

  async appendToStream(
    stream: string,
    input: EventData | EventData[],
    options: { streamState?: unknown } = {},
  ) {
    const events = Array.isArray(input) ? input : [input];
    const failure = this.failNext?.stream === stream ? this.failNext : null;
    if (failure) this.failNext = null;
    if (failure && !failure.afterWrite) throw unavailable();
    const current = this.streams.get(stream) ?? [];
    const last = current.length - 1;
    const state = options.streamState ?? "any";
    const repeat = this.repeatOf(current, events, state);
    if (repeat !== null) return { success: true, nextExpectedRevision: repeat, position: undefined };
    const ok =
      state === "any" ||
      (state === "no_stream" && current.length === 0) ||
      (state === "stream_exists" && current.length > 0) ||
      (typeof state === "bigint" && state === BigInt(last));
    if (!ok) {
      throw Object.assign(new Error("Wrong expected version"), {
        type: "wrong-expected-version",
        streamName: stream,
        expectedState: state,
        actualState: current.length === 0 ? "no_stream" : BigInt(last),
      });
    }
    for (const event of events) {
      this.logPosition += 10n;
      current.push({
        id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        revision: BigInt(current.length),
        position: { commit: this.logPosition, prepare: this.logPosition },
        created: new Date(),
      });
    }
    this.streams.set(stream, current);
    if (failure) throw unavailable();
    return {
      success: true,
      nextExpectedRevision: BigInt(current.length - 1),
      position: current.at(-1)!.position,
    };
  }

  /** KurrentDB's idempotency: the same ids right after an older expected revision are a repeat. */
  private repeatOf(current: Stored[], events: EventData[], state: unknown): bigint | null {
    const start = state === "no_stream" ? 0 : typeof state === "bigint" ? Number(state) + 1 : null;
    if (start === null || start + events.length > current.length || start >= current.length) return null;
    const same = events.every((event, i) => current[start + i]?.id === event.id);
    return same ? BigInt(start + events.length - 1) : null;
  }

  readStream(
    stream: string,
    options: { direction?: string; fromRevision?: unknown; maxCount?: number } = {},
  ) {
    const events = this.streams.get(stream);
    const backwards = options.direction === "backwards";
    async function* read() {
      if (!events) throw Object.assign(new Error("not found"), { type: "stream-not-found" });
      const ordered = backwards ? [...events].reverse() : events;
      const from = options.fromRevision;
      let count = 0;
      for (const event of ordered) {
        if (typeof from === "bigint" && (backwards ? event.revision > from : event.revision < from)) continue;
        if (count++ >= (options.maxCount ?? Infinity)) return;
        yield {
          event: {
            ...event,
            streamId: stream,
            isJson: true,
          },
        };
      }
    }
    return read();
  }
}

function unavailable(): Error {
  return Object.assign(new Error("14 UNAVAILABLE"), { code: 14 });
}

const anEvent = (type = "MoneyDeposited"): EventToAppend => ({ id: randomUUID(), type, data: { amount: 1 } });

describe("KurrentDB appends (against an in-memory stand-in)", () => {
  let fake: FakeKurrent;
  let io: KurrentIo;
  beforeEach(() => {
    fake = new FakeKurrent();
    io = new KurrentIo(fake as unknown as KurrentDBClient);
  });

  it("answer the last event's position as read back, not the append response's", async () => {
    const first = await appendEvents(io, "account-1", [anEvent(), anEvent()], "no_stream");
    const stored = fake.streams.get("account-1")!;
    expect(first).toEqual({ nextRevision: 1, position: stored[1]!.position });
  });

  it("answer a repeat KurrentDB recognised with the first append's result", async () => {
    const batch = [anEvent(), anEvent()];
    const first = await appendEvents(io, "account-1", batch, "no_stream");
    await appendEvents(io, "account-1", [anEvent()], "any");
    expect(await appendEvents(io, "account-1", batch, "no_stream")).toEqual(first);
    expect(fake.streams.get("account-1")).toHaveLength(3);
  });

  it("find its own events after a refusal KurrentDB did not recognise as a repeat", async () => {
    const batch = [anEvent(), anEvent()];
    const first = await appendEvents(io, "account-1", batch, "any");
    await appendEvents(io, "account-1", [anEvent()], "any");
    // Expected revision 0 would put the batch at 1..2, where other events are: a refusal.
    expect(await appendEvents(io, "account-1", batch, 0)).toEqual(first);
  });

  it("report a real conflict as WrongExpectedRevision, and ids used partly as a caller's error", async () => {
    const [a, b] = [anEvent(), anEvent()];
    await appendEvents(io, "account-1", [a!], "no_stream");
    await expect(appendEvents(io, "account-1", [anEvent()], "no_stream")).rejects.toMatchObject({
      name: "WrongExpectedRevision",
      expected: "no_stream",
      actual: 0,
    });
    await expect(appendEvents(io, "account-1", [a!, b!], 5)).rejects.toMatchObject({
      code: "EVENT_IDS_ALREADY_USED",
      usedIds: [a!.id],
    });
  });

  it("judge what a search for earlier ids found", () => {
    const hit = (revision: number) => ({
      id: `id-${revision}`,
      revision,
      position: { commit: 1n, prepare: 1n },
    });
    expect(earlierResult("s", 2, [])).toBeNull();
    expect(earlierResult("s", 2, [hit(4), hit(3)])).toEqual({
      nextRevision: 4,
      position: { commit: 1n, prepare: 1n },
    });
    expect(() => earlierResult("s", 2, [hit(3)])).toThrow(/not with the other events/);
  });

  it("refuse malformed appends before anything is written", () => {
    const event = anEvent();
    expect(() => validateAppend("s", [], "any")).toThrow(/no events/);
    expect(() => validateAppend("", [event], "any")).toThrow(/empty/);
    expect(() => validateAppend("$system", [event], "any")).toThrow(/system streams/);
    expect(() => validateAppend("s", [{ ...event, id: "x" }], "any")).toThrow(/not a UUID/);
    expect(() => validateAppend("s", [event, event], "any")).toThrow(/twice/);
    expect(() => validateAppend("s", [event], -1)).toThrow(/non-negative/);
    expect(() => validateAppend("s", [{ ...event, metadata: { $correlationId: "x" } }], "any")).toThrow(
      /reserved by KurrentDB/,
    );
  });

  describe("with an idempotency record", () => {
    const record = (streamId: string, key = `key-${randomUUID()}`): IdempotencyRecord => ({
      key,
      fingerprint: "sha256:request",
      streamId,
      answer: { ok: true },
    });

    it("store the record first and complete it with the result", async () => {
      const r = record("account-1");
      const result = await appendWithRecord(io, "account-1", [anEvent()], "no_stream", r);
      expect(await readIdempotencyRecord(io, r.key)).toEqual({ ...r, appended: result });
      const types = fake.streams.get(idempotencyStream(r.key))!.map((event) => event.type);
      expect(types).toEqual(["$ledgerline.idempotency-reserved", "$ledgerline.idempotency-completed"]);
    });

    it("refuse a taken key before appending anything", async () => {
      const r = record("account-1");
      await appendWithRecord(io, "account-1", [anEvent()], "no_stream", r);
      await expect(
        appendWithRecord(io, "account-2", [anEvent()], "no_stream", { ...r, streamId: "account-2" }),
      ).rejects.toBeInstanceOf(IdempotencyKeyTaken);
      expect(fake.streams.has("account-2")).toBe(false);
    });

    it("free the key when the append is refused", async () => {
      await appendEvents(io, "account-1", [anEvent()], "any");
      const r = record("account-1");
      await expect(appendWithRecord(io, "account-1", [anEvent()], "no_stream", r)).rejects.toBeInstanceOf(
        WrongExpectedRevision,
      );
      expect(await readIdempotencyRecord(io, r.key)).toBeNull();
      const retried = await appendWithRecord(io, "account-1", [anEvent()], 0, r);
      expect((await readIdempotencyRecord(io, r.key))?.appended).toEqual(retried);
    });

    it("after a connection lost once the events were written, the next read completes the record", async () => {
      const r = record("account-1");
      const events = [anEvent(), anEvent()];
      fake.failNext = { stream: "account-1", afterWrite: true };
      await expect(appendWithRecord(io, "account-1", events, "no_stream", r)).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      expect(recordState(lastOf(fake, idempotencyStream(r.key))).kind).toBe("reserved");
      const read = await readIdempotencyRecord(io, r.key);
      expect(read?.appended).toEqual({
        nextRevision: 1,
        position: fake.streams.get("account-1")![1]!.position,
      });
      expect(fake.streams.get("account-1")).toHaveLength(2);
      expect(recordState(lastOf(fake, idempotencyStream(r.key))).kind).toBe("completed");
    });

    it("after a connection lost before the events were written, the next read rolls the append forward", async () => {
      const r = record("account-1");
      const events = [anEvent()];
      fake.failNext = { stream: "account-1", afterWrite: false };
      await expect(appendWithRecord(io, "account-1", events, "no_stream", r)).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      expect(fake.streams.has("account-1")).toBe(false);
      const read = await readIdempotencyRecord(io, r.key);
      expect(read?.appended?.nextRevision).toBe(0);
      expect(fake.streams.get("account-1")!.map((event) => event.id)).toEqual([events[0]!.id]);
    });

    it("voids a record whose append can no longer happen (the stream moved on meanwhile)", async () => {
      const r = record("account-1");
      fake.failNext = { stream: "account-1", afterWrite: false };
      await expect(appendWithRecord(io, "account-1", [anEvent()], "no_stream", r)).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      await appendEvents(io, "account-1", [anEvent()], "any");
      expect(await readIdempotencyRecord(io, r.key)).toBeNull();
      expect(fake.streams.get("account-1")).toHaveLength(1);
      expect(recordState(lastOf(fake, idempotencyStream(r.key))).kind).toBe("voided");
    });
  });
});

function lastOf(fake: FakeKurrent, stream: string) {
  return fake.streams.get(stream)?.at(-1) ?? null;
}
