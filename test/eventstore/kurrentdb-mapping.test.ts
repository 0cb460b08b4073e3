import { describe, expect, it } from "vitest";
import type { RecordedEvent as ClientRecordedEvent } from "@kurrent/kurrentdb-client";
import {
  fromClientEvent,
  readData,
  readMetadata,
  storedMetadata,
  toEventData,
} from "../../eventstore/kurrentdb/events";
import { escapeRegex, exactly, planFilter } from "../../eventstore/kurrentdb/filters";
import {
  atOrBefore,
  fromClientPosition,
  laterOf,
  readAllFrom,
  toClientPosition,
  toClientStartFrom,
} from "../../eventstore/kurrentdb/positions";
import {
  actualRevision,
  fromClientRevision,
  fromStreamState,
  toClientRevision,
  toStreamState,
} from "../../eventstore/kurrentdb/revisions";

/** Pure mapping between the port and @kurrent/kurrentdb-client: no server needed. */
describe("KurrentDB mapping", () => {
  describe("revisions", () => {
    it("maps expected revisions to the client's stream states", () => {
      expect(toStreamState("no_stream")).toBe("no_stream");
      expect(toStreamState("any")).toBe("any");
      expect(toStreamState("stream_exists")).toBe("stream_exists");
      expect(toStreamState(0)).toBe(0n);
      expect(toStreamState(41)).toBe(41n);
      expect(() => toStreamState(-1)).toThrow(RangeError);
      expect(() => toStreamState(1.5)).toThrow(RangeError);
    });

    it("maps them back, for errors about an append", () => {
      expect(fromStreamState("no_stream")).toBe("no_stream");
      expect(fromStreamState(7n)).toBe(7);
    });

    it("converts revisions between bigint and number, refusing what a number cannot hold", () => {
      expect(fromClientRevision(0n)).toBe(0);
      expect(fromClientRevision(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
      expect(() => fromClientRevision(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toThrow(RangeError);
      expect(toClientRevision(3)).toBe(3n);
    });

    it("reads the actual revision of a conflict, a missing or deleted stream being no_stream", () => {
      expect(actualRevision(4n)).toBe(4);
      expect(actualRevision("no_stream")).toBe("no_stream");
      expect(actualRevision(undefined)).toBe("no_stream");
      expect(actualRevision(-5n)).toBe("no_stream");
    });
  });

  describe("positions", () => {
    it("are the client's { commit, prepare } unchanged", () => {
      const position = { commit: 1234n, prepare: 1200n };
      expect(fromClientPosition(position)).toEqual(position);
      expect(toClientPosition(position)).toEqual(position);
    });

    it("treat the server's 'no position' (-1, seen as 2^64 - 1) and absent ones as none", () => {
      expect(fromClientPosition({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n })).toBeNull();
      expect(fromClientPosition({ commit: -1n, prepare: -1n })).toBeNull();
      expect(fromClientPosition(undefined)).toBeNull();
      expect(() => toClientPosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    });

    it("start a read of $all at the beginning or at a position, and a subscription at start/end/position", () => {
      expect(readAllFrom(undefined)).toBe("start");
      expect(readAllFrom(null)).toBe("start");
      expect(readAllFrom({ commit: 5n, prepare: 5n })).toEqual({ commit: 5n, prepare: 5n });
      expect(toClientStartFrom("start")).toBe("start");
      expect(toClientStartFrom("end")).toBe("end");
      expect(toClientStartFrom({ commit: 9n, prepare: 8n })).toEqual({ commit: 9n, prepare: 8n });
    });

    it("compare as the log orders them", () => {
      const a = { commit: 10n, prepare: 10n };
      const b = { commit: 20n, prepare: 20n };
      expect(laterOf(a, b)).toBe(b);
      expect(laterOf(null, a)).toBe(a);
      expect(laterOf(a, null)).toBe(a);
      expect(atOrBefore(a, b)).toBe(true);
      expect(atOrBefore(a, a)).toBe(true);
      expect(atOrBefore(b, a)).toBe(false);
      expect(atOrBefore(a, null)).toBe(false);
    });
  });

  describe("filters", () => {
    const event = (streamId: string, type: string) => ({ streamId, type });

    it("without a filter, exclude system records on the server and here", () => {
      const plan = planFilter(undefined);
      expect(plan.server).toMatchObject({ filterOn: "eventType", regex: "^[^$].*" });
      expect(plan.matches(event("account-1", "MoneyDeposited"))).toBe(true);
      expect(plan.matches(event("account-1", "$metadata"))).toBe(false);
      expect(plan.matches(event("$persistentsubscription-$all::g-parked", "Anything"))).toBe(false);
      expect(plan.matches(event("ledgerline.idempotency-ab", "$ledgerline.idempotency-reserved"))).toBe(
        false,
      );
    });

    it("send stream prefixes as literal prefixes", () => {
      const plan = planFilter({ streamPrefixes: ["account-", "order_%"] });
      expect(plan.server).toMatchObject({ filterOn: "streamName", prefixes: ["account-", "order_%"] });
      expect(plan.matches(event("account-1", "AccountOpened"))).toBe(true);
      expect(plan.matches(event("order_%7", "OrderPlaced"))).toBe(true);
      expect(plan.matches(event("orderX7", "OrderPlaced"))).toBe(false);
      expect(plan.matches(event("account-1", "$>"))).toBe(false);
    });

    it("send exact event types as an anchored, escaped regular expression", () => {
      const plan = planFilter({ eventTypes: ["AccountOpened", "Order.Placed"] });
      expect(plan.server).toMatchObject({
        filterOn: "eventType",
        regex: "^(?:AccountOpened|Order\\.Placed)$",
      });
      expect(plan.matches(event("x-1", "AccountOpened"))).toBe(true);
      expect(plan.matches(event("x-1", "AccountOpenedLater"))).toBe(false);
      expect(plan.matches(event("x-1", "OrderXPlaced"))).toBe(false);
    });

    it("split a two-part filter: stream prefixes on the server, event types here", () => {
      const plan = planFilter({ streamPrefixes: ["order-"], eventTypes: ["OrderPlaced"] });
      expect(plan.server).toMatchObject({ filterOn: "streamName", prefixes: ["order-"] });
      expect(plan.matches(event("order-1", "OrderPlaced"))).toBe(true);
      expect(plan.matches(event("order-1", "OrderShipped"))).toBe(false);
      expect(plan.matches(event("account-1", "OrderPlaced"))).toBe(false);
    });

    it("select nothing for empty lists, as the PostgreSQL adapter does", () => {
      const noStreams = planFilter({ streamPrefixes: [] });
      expect(noStreams.server).toMatchObject({ filterOn: "streamName", regex: "^(?!)" });
      expect(noStreams.matches(event("a-1", "A"))).toBe(false);
      expect(planFilter({ eventTypes: [] }).server).toMatchObject({ regex: "^(?!)" });
    });

    it("escape everything special in a .NET regular expression", () => {
      const special = "a.b*c+d?e^f$g|h(i)j[k]l{m}n\\o#p q-r";
      const regex = new RegExp(exactly([special]));
      expect(regex.test(special)).toBe(true);
      expect(regex.test(special.replace(".", "x"))).toBe(false);
      expect(escapeRegex("tab\there")).toBe("tab\\there");
    });
  });

  describe("events", () => {
    const id = "6a0e4f38-79e8-4a8e-9a56-5c3f0b9e2d11";

    it("carry metadata unchanged, with schemaVersion and KurrentDB's correlation keys added", () => {
      const stored = storedMetadata({
        id,
        type: "MoneyDeposited",
        data: { amount: 100 },
        metadata: { correlationId: "c-1", causationId: "k-1", userId: "u-1", nested: { deep: [1] } },
        schemaVersion: 2,
      });
      expect(stored).toEqual({
        correlationId: "c-1",
        causationId: "k-1",
        userId: "u-1",
        nested: { deep: [1] },
        $schemaVersion: 2,
        $correlationId: "c-1",
        $causationId: "k-1",
      });
      expect(readMetadata(stored)).toEqual({
        metadata: { correlationId: "c-1", causationId: "k-1", userId: "u-1", nested: { deep: [1] } },
        schemaVersion: 2,
      });
    });

    it("default metadata to {} and schemaVersion to 1 (not stored)", () => {
      expect(storedMetadata({ id, type: "T", data: {} })).toEqual({});
      expect(readMetadata({})).toEqual({ metadata: {}, schemaVersion: 1 });
      expect(readMetadata(undefined)).toEqual({ metadata: {}, schemaVersion: 1 });
      expect(readMetadata(new Uint8Array([1, 2]))).toEqual({ metadata: {}, schemaVersion: 1 });
      expect(readMetadata({ $schemaVersion: "2" })).toEqual({ metadata: {}, schemaVersion: 1 });
    });

    it("become JSON event data with the event's own id", () => {
      expect(toEventData({ id, type: "AccountOpened", data: { owner: "Ada" } })).toEqual({
        id,
        contentType: "application/json",
        type: "AccountOpened",
        data: { owner: "Ada" },
        metadata: {},
      });
    });

    it("come back as the port's recorded events", () => {
      const created = new Date("2025-01-02T03:04:05.678Z");
      const recorded = {
        id,
        streamId: "account-1",
        revision: 3n,
        type: "MoneyDeposited",
        isJson: true,
        created,
        data: { amount: 5 },
        metadata: { userId: "u-1", $schemaVersion: 3 },
        position: { commit: 700n, prepare: 700n },
      } as unknown as ClientRecordedEvent;
      expect(fromClientEvent(recorded)).toEqual({
        id,
        streamId: "account-1",
        revision: 3,
        position: { commit: 700n, prepare: 700n },
        type: "MoneyDeposited",
        data: { amount: 5 },
        metadata: { userId: "u-1" },
        schemaVersion: 3,
        recordedAt: created,
      });
      const replayed = fromClientEvent(
        { ...recorded, position: { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n } } as ClientRecordedEvent,
        { commit: 700n, prepare: 700n },
      );
      expect(replayed.position).toEqual({ commit: 700n, prepare: 700n });
      expect(() => fromClientEvent({ ...recorded, position: undefined } as ClientRecordedEvent)).toThrow(
        /no log position/,
      );
    });

    it("keep data another tool wrote that is not a JSON object", () => {
      expect(readData({ a: 1 })).toEqual({ a: 1 });
      expect(readData([1, 2])).toEqual({ value: [1, 2] });
      expect(readData("text")).toEqual({ value: "text" });
      expect(readData(new Uint8Array([104, 105]))).toEqual({ base64: "aGk=" });
    });
  });
});
