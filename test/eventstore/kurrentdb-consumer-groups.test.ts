import { persistentSubscriptionToAllSettingsFromDefaults } from "@kurrent/kurrentdb-client";
import { describe, expect, it } from "vitest";
import { BatchInHand, type Delivery } from "../../eventstore/kurrentdb/batch";
import {
  LocalCheckpoints,
  advanceCheckpoint,
  reportedCheckpoint,
} from "../../eventstore/kurrentdb/checkpoints";
import { DeliveryBuffer } from "../../eventstore/kurrentdb/delivery-buffer";
import { serverFilterCovers } from "../../eventstore/kurrentdb/filters";
import {
  fromNativeSettings,
  nativeUpdate,
  settingsFromJson,
  settingsToJson,
  toNativeSettings,
  validSettings,
} from "../../eventstore/kurrentdb/group-settings";
import {
  newGroupState,
  serverFilterOf,
  withSettings,
  type GroupState,
} from "../../eventstore/kurrentdb/group-state";
import { AbsenceClock, activeConsumer, decideLease } from "../../eventstore/kurrentdb/lease";
import {
  checkpointStreamOf,
  decodeParkReason,
  encodeParkReason,
  parkedStreamOf,
  parseLinkTarget,
  toParkedEntry,
} from "../../eventstore/kurrentdb/parked";
import type { RawDelivery } from "../../eventstore/kurrentdb/native";
import { defaultConsumerGroupSettings, type Position } from "../../eventstore/port";

const at = (n: number): Position => ({ commit: BigInt(n), prepare: BigInt(n) });

describe("KurrentDB consumer groups (no server)", () => {
  describe("settings", () => {
    it("map the port's settings onto a persistent subscription to $all", () => {
      const native = toNativeSettings(
        validSettings({ batchSize: 50, maxRetryCount: 3, messageTimeoutMs: 10_000, startFrom: at(42) }),
      );
      expect(native).toEqual({
        startFrom: { commit: 42n, prepare: 42n },
        resolveLinkTos: false,
        extraStatistics: false,
        messageTimeout: 10_000,
        maxRetryCount: 3,
        checkPointAfter: 1_000,
        checkPointLowerBound: 1,
        checkPointUpperBound: 50,
        maxSubscriberCount: "unbounded",
        readBatchSize: 50,
        historyBufferSize: 500,
        liveBufferSize: 500,
        consumerStrategyName: "DispatchToSingle",
      });
    });

    it("keep the server's rule that a read batch is smaller than the history buffer", () => {
      const native = toNativeSettings(validSettings({ batchSize: 2_000 }));
      expect(native.readBatchSize).toBe(2_000);
      expect(native.historyBufferSize).toBeGreaterThan(native.readBatchSize);
      expect(native.liveBufferSize).toBeGreaterThan(native.readBatchSize);
    });

    it("take another consumer strategy and checkpoint interval", () => {
      const native = toNativeSettings(validSettings({}), {
        consumerStrategy: "Pinned",
        checkpointAfterMs: 250,
      });
      expect(native).toMatchObject({
        consumerStrategyName: "Pinned",
        checkPointAfter: 250,
        startFrom: "start",
      });
    });

    it("read a group made with another tool back as the port's settings", () => {
      const native = persistentSubscriptionToAllSettingsFromDefaults({
        startFrom: { commit: 7n, prepare: 7n },
        readBatchSize: 64,
        maxRetryCount: 9,
        messageTimeout: 12_000,
      });
      expect(fromNativeSettings(native)).toEqual({
        ...defaultConsumerGroupSettings,
        startFrom: at(7),
        batchSize: 64,
        maxRetryCount: 9,
        messageTimeoutMs: 12_000,
      });
    });

    it("validate as the PostgreSQL adapter does", () => {
      expect(validSettings({})).toEqual(defaultConsumerGroupSettings);
      expect(() => validSettings({ batchSize: 0 })).toThrow(/batchSize/);
      expect(() => validSettings({ leaseTimeoutMs: 1.5 })).toThrow(/leaseTimeoutMs/);
      expect(() => validSettings({ maxRetryCount: -1 })).toThrow(/maxRetryCount/);
      expect(validSettings({ maxRetryCount: 0 }).maxRetryCount).toBe(0);
    });

    it("round-trip through the JSON of the group's state, positions and filter included", () => {
      const settings = validSettings({
        startFrom: at(9),
        filter: { streamPrefixes: ["a-"], eventTypes: ["T"] },
      });
      const json = JSON.parse(JSON.stringify(settingsToJson(settings)));
      expect(settingsFromJson(json)).toEqual(settings);
      expect(settingsFromJson(JSON.parse(JSON.stringify(settingsToJson(validSettings({}))))).startFrom).toBe(
        "start",
      );
    });
  });

  describe("settings of an existing group", () => {
    it("reach the server only when one of its settings changed, keeping the server's start", () => {
      const current = toNativeSettings(validSettings({ startFrom: at(3), batchSize: 50 }));
      expect(nativeUpdate(current, validSettings({ batchSize: 50 }))).toBeNull();
      // The lease and the filter are this side's: nothing for the server.
      expect(nativeUpdate(current, validSettings({ batchSize: 50, leaseTimeoutMs: 900 }))).toBeNull();
      const update = nativeUpdate(
        current,
        validSettings({ batchSize: 20, maxRetryCount: 1, startFrom: "end" }),
      );
      expect(update).toEqual({
        ...current,
        readBatchSize: 20,
        checkPointUpperBound: 20,
        maxRetryCount: 1,
        startFrom: { commit: 3n, prepare: 3n },
      });
    });

    it("replace the state's settings but where the group started, and nothing else of the state", () => {
      const state: GroupState = {
        ...newGroupState(
          settingsToJson(validSettings({ startFrom: at(2), filter: { streamPrefixes: ["order-"] } })),
          at(5),
          3,
        ),
        owner: { name: "c", token: "t", connection: "conn", since: "2024-01-01T00:00:00.000Z" },
      };
      const changed = validSettings({
        batchSize: 7,
        leaseTimeoutMs: 900,
        filter: { streamPrefixes: ["order-"], eventTypes: ["OrderPlaced"] },
      });
      const next = withSettings("g", state, changed)!;
      expect(settingsFromJson(next.settings)).toEqual({ ...changed, startFrom: at(2) });
      expect(next).toMatchObject({ generation: 3, checkpoint: state.checkpoint, owner: state.owner });
      // The server keeps filtering by the filter the subscription was made with.
      expect(serverFilterOf(next)).toEqual({ streamPrefixes: ["order-"] });
      expect(withSettings("g", next, changed)).toBeNull();
    });

    it("refuse a filter that selects more than the subscription's own", () => {
      const state = newGroupState(
        settingsToJson(validSettings({ filter: { streamPrefixes: ["order-"] } })),
        null,
        1,
      );
      expect(() => withSettings("g", state, validSettings({}))).toThrow(
        expect.objectContaining({ code: "CONSUMER_GROUP_FILTER_FIXED", group: "g" }),
      );
      const narrowed = withSettings("g", state, validSettings({ filter: { streamPrefixes: ["order-1"] } }))!;
      // Back to the filter it was made with: still within what the server sends.
      expect(
        withSettings("g", narrowed, validSettings({ filter: { streamPrefixes: ["order-"] } })),
      ).not.toBeNull();
    });

    it("know what a server-side filter sends", () => {
      expect(serverFilterCovers(undefined, { streamPrefixes: ["a-"] })).toBe(true);
      expect(serverFilterCovers({ streamPrefixes: ["a-"] }, { streamPrefixes: ["a-1", "a-"] })).toBe(true);
      expect(serverFilterCovers({ streamPrefixes: ["a-"] }, { streamPrefixes: ["a-", "b-"] })).toBe(false);
      expect(serverFilterCovers({ streamPrefixes: ["a-"] }, { eventTypes: ["T"] })).toBe(false);
      expect(serverFilterCovers({ streamPrefixes: ["a-"] }, undefined)).toBe(false);
      expect(
        serverFilterCovers({ streamPrefixes: ["a-"], eventTypes: ["T"] }, { streamPrefixes: ["a-"] }),
      ).toBe(true);
      expect(
        serverFilterCovers({ eventTypes: ["T", "U"] }, { streamPrefixes: ["x-"], eventTypes: ["U"] }),
      ).toBe(true);
      expect(serverFilterCovers({ eventTypes: ["T"] }, { eventTypes: ["T", "U"] })).toBe(false);
      expect(serverFilterCovers({ eventTypes: ["T"] }, { streamPrefixes: [] })).toBe(true);
    });
  });

  describe("parked events", () => {
    it("live in the server's streams for the group", () => {
      expect(parkedStreamOf("projector-accounts")).toBe(
        "$persistentsubscription-$all::projector-accounts-parked",
      );
      expect(checkpointStreamOf("g")).toBe("$persistentsubscription-$all::g-checkpoint");
    });

    it("carry the consumer's reason and the attempts through the server's single reason string", () => {
      const sent = encodeParkReason("handler failed: boom", 3);
      expect(decodeParkReason(`Client explicitly NAK'ed message.\n${sent}`)).toEqual({
        reason: "handler failed: boom",
        attempts: 3,
      });
    });

    it("read reasons this adapter did not write: another client's, the server's own", () => {
      expect(decodeParkReason("Client explicitly NAK'ed message.\nbad input")).toEqual({
        reason: "bad input",
        attempts: 1,
      });
      expect(decodeParkReason("Reached retry count of 5")).toEqual({
        reason: "Reached retry count of 5",
        attempts: 6,
      });
    });

    it("point at their event with a link, '<revision>@<stream>'", () => {
      expect(parseLinkTarget(Buffer.from("12@account-7"))).toEqual({ streamId: "account-7", revision: 12 });
      expect(parseLinkTarget("0@order-1@x")).toEqual({ streamId: "order-1@x", revision: 0 });
      expect(parseLinkTarget("garbage")).toBeNull();
      const created = new Date("2025-05-05T05:05:05Z");
      const entry = toParkedEntry({
        id: "l-1",
        streamId: parkedStreamOf("g"),
        revision: 4n,
        type: "$>",
        isJson: false,
        created,
        data: Buffer.from("3@account-1"),
        metadata: {
          Added: "2025-05-05T07:05:05+02:00",
          Reason: `Client explicitly NAK'ed message.\n${encodeParkReason("x", 2)}`,
        },
      } as never);
      expect(entry).toEqual({
        number: 4n,
        target: { streamId: "account-1", revision: 3 },
        reason: "x",
        attempts: 2,
        parkedAt: created,
      });
    });
  });

  describe("single active consumer", () => {
    const state = (owner: GroupState["owner"]): GroupState => ({
      ...newGroupState(settingsToJson(validSettings({})), null, 1),
      owner,
    });
    const owner = {
      name: "consumer-one",
      token: "t-1",
      connection: "proc-a",
      since: new Date(0).toISOString(),
    };

    it("takes a free group, keeps its own, waits while the holder is connected", () => {
      const base = { myToken: "t-2", ownerAbsentForMs: 0, leaseTimeoutMs: 5_000 };
      expect(decideLease({ ...base, state: state(null), ownerConnected: undefined })).toBe("take");
      expect(decideLease({ ...base, state: state(owner), myToken: "t-1", ownerConnected: undefined })).toBe(
        "mine",
      );
      expect(decideLease({ ...base, state: state(owner), ownerConnected: true })).toBe("wait");
    });

    it("takes over once the holder's connection has been gone for leaseTimeoutMs", () => {
      const base = { state: state(owner), myToken: "t-2", ownerConnected: false, leaseTimeoutMs: 300 };
      expect(decideLease({ ...base, ownerAbsentForMs: 299 })).toBe("wait");
      expect(decideLease({ ...base, ownerAbsentForMs: 300 })).toBe("take");
    });

    it("counts absence per state: a connection seen again, or a new state, starts over", () => {
      const clock = new AbsenceClock();
      expect(clock.observe(5n, false, 1_000)).toBe(0);
      expect(clock.observe(5n, false, 1_250)).toBe(250);
      expect(clock.observe(5n, true, 1_300)).toBe(0);
      expect(clock.observe(5n, false, 1_400)).toBe(0);
      expect(clock.observe(5n, false, 1_500)).toBe(100);
      expect(clock.observe(6n, false, 1_600)).toBe(0);
    });

    it("reports the holder as active while connected or just after taking the group", () => {
      const now = Date.parse("2025-01-01T00:00:10Z");
      const fresh = { ...owner, since: "2025-01-01T00:00:09Z" };
      const old = { ...owner, since: "2025-01-01T00:00:00Z" };
      expect(activeConsumer(state(null), ["proc-a"], now, 5_000)).toBeNull();
      expect(activeConsumer(state(old), ["proc-a"], now, 5_000)).toBe("consumer-one");
      expect(activeConsumer(state(fresh), [], now, 5_000)).toBe("consumer-one");
      expect(activeConsumer(state(old), ["proc-b"], now, 5_000)).toBeNull();
    });
  });

  describe("checkpoints", () => {
    it("move over settled events but never past one still being retried", () => {
      expect(advanceCheckpoint(null, [at(1), at(2)], [])).toEqual(at(2));
      expect(advanceCheckpoint(at(2), [at(3), at(5)], [at(4)])).toEqual(at(3));
      expect(advanceCheckpoint(at(2), [at(5)], [at(4)])).toEqual(at(2));
      expect(advanceCheckpoint(at(9), [at(3)], [])).toEqual(at(9));
      expect(advanceCheckpoint(null, [], [])).toBeNull();
    });

    it("report what this process learned while it belongs to the holder and the generation", () => {
      const checkpoints = new LocalCheckpoints();
      const stored = { ...newGroupState(settingsToJson(validSettings({})), at(3), 2) };
      checkpoints.advance("g", 2, "t-1", at(7));
      const held: GroupState = {
        ...stored,
        owner: { name: "c", token: "t-1", connection: "p", since: new Date().toISOString() },
      };
      expect(reportedCheckpoint(held, checkpoints.get("g"))).toEqual(at(7));
      expect(reportedCheckpoint({ ...stored, lastHolder: "t-1" }, checkpoints.get("g"))).toEqual(at(7));
      // Another holder since, or a reset (new generation): the stored checkpoint.
      expect(reportedCheckpoint({ ...stored, lastHolder: "t-9" }, checkpoints.get("g"))).toEqual(at(3));
      expect(reportedCheckpoint({ ...held, generation: 3 }, checkpoints.get("g"))).toEqual(at(3));
      checkpoints.advance("g", 2, "t-1", at(5));
      expect(checkpoints.get("g")?.position).toEqual(at(7));
      checkpoints.forget("g");
      expect(reportedCheckpoint(held, checkpoints.get("g"))).toEqual(at(3));
    });
  });

  describe("batches", () => {
    const delivery = (n: number, retryCount = 0): Delivery => {
      const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
      return {
        id,
        position: at(n),
        event: {
          id,
          streamId: "s",
          revision: n,
          position: at(n),
          type: "T",
          data: {},
          metadata: {},
          schemaVersion: 1,
          recordedAt: new Date(0),
          retryCount,
        },
        raw: {} as RawDelivery,
        replay: false,
      };
    };

    it("hand out what arrived once pushes pause, at most batchSize, in log order", async () => {
      const buffer = new DeliveryBuffer<Delivery>();
      buffer.push(delivery(3));
      buffer.push(delivery(1, 1)); // a retry pushed after a newer event
      setTimeout(() => buffer.push(delivery(2)), 2);
      const first = await buffer.next(2, 20);
      expect(first?.map((item) => item.position.commit)).toEqual([1n, 3n]);
      const second = await buffer.next(2, 20);
      expect(second?.map((item) => item.position.commit)).toEqual([2n]);
    });

    it("wait for a first event, and keep only the latest copy of an event pushed again", async () => {
      const buffer = new DeliveryBuffer<Delivery>();
      const next = buffer.next(10, 5);
      buffer.push(delivery(1));
      buffer.push(delivery(1, 1));
      const batch = await next;
      expect(batch?.map((item) => item.event.retryCount)).toEqual([1]);
    });

    it("wait for an event still being prepared (a replayed one's position is read first)", async () => {
      const buffer = new DeliveryBuffer<Delivery>();
      buffer.push(delivery(3));
      const prepared = buffer.arriving();
      setTimeout(() => {
        buffer.push(delivery(1));
        prepared();
      }, 40);
      const batch = await buffer.next(10, 5);
      expect(batch?.map((item) => item.position.commit)).toEqual([1n, 3n]);
    });

    it("end a wait when interrupted or stopped, and drop copies of settled events", async () => {
      const buffer = new DeliveryBuffer<Delivery>();
      const waiting = buffer.next(10, 5);
      buffer.interrupt();
      expect(await waiting).toBeNull();
      buffer.push(delivery(4));
      buffer.discard([delivery(4).id.toUpperCase()]);
      expect(buffer.size).toBe(0);
      buffer.stop();
      expect(await buffer.next(10, 5)).toBeNull();
      buffer.push(delivery(5));
      expect(buffer.size).toBe(0);
    });

    it("are settled event by event; what is left unsettled is given back", () => {
      const batch = new BatchInHand([delivery(1), delivery(2), delivery(3), delivery(4)], 0);
      expect(batch.settle(delivery(1).id, "ack")?.id).toBe(delivery(1).id);
      expect(batch.settle(delivery(1).id, "ack")).toBeNull();
      batch.settle(delivery(2).id, "park");
      batch.settle(delivery(3).id.toUpperCase(), "retry");
      expect(batch.isSettled).toBe(false);
      expect(batch.finals.map((item) => item.position.commit)).toEqual([1n, 2n]);
      expect(batch.parked.map((item) => item.position.commit)).toEqual([2n]);
      expect(batch.abandon().map((item) => item.position.commit)).toEqual([4n]);
      expect(batch.isSettled).toBe(true);
    });
  });
});
