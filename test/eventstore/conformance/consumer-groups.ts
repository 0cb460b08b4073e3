import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ConsumerGroupNotFound,
  defaultConsumerGroupSettings,
  type ConsumerGroupSettings,
  type ConsumerGroups,
  type EventLog,
  type PersistentSubscription,
} from "../../../eventstore/port";
import type { StoreLimit, TestEventStore } from "../../support/eventstores";
import { events, idsOf, iterate, nextBatch, stillPendingAfter, uniqueStream } from "../helpers";

/** A group over its own streams only, so tests can share one store. */
async function newGroup(groups: ConsumerGroups, settings: Partial<ConsumerGroupSettings> = {}) {
  const prefix = `cg${randomUUID().slice(0, 8)}-`;
  const group = `projector-${randomUUID().slice(0, 8)}`;
  await groups.createConsumerGroup(group, { filter: { streamPrefixes: [prefix] }, ...settings });
  return { group, stream: (name = "a") => `${prefix}${name}` };
}

const FAST = { idleWaitMs: 20 } as const;

/**
 * The ConsumerGroups port: administration, delivery, settlement, parking, single active consumer.
 * The groups read the log of the same store, which the tests append to through its EventLog.
 */
export function consumerGroupConformance(
  handle: () => TestEventStore,
  limits: readonly StoreLimit[] = [],
): void {
  const groups = (): ConsumerGroups => handle().store;
  const log = (): EventLog => handle().store;
  const subscriptions: PersistentSubscription[] = [];
  const subscribe = (group: string, consumerName = "consumer-1", idleWaitMs: number = FAST.idleWaitMs) => {
    const subscription = groups().subscribe(group, { consumerName, idleWaitMs });
    subscriptions.push(subscription);
    return subscription;
  };
  // Every subscription a test opened is closed, whatever the test did.
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
  });

  describe("administration", () => {
    it("creates a group with default settings; creating it again keeps its start and checkpoint", async () => {
      const { group, stream } = await newGroup(groups(), { batchSize: 10 });
      const info = await groups().getConsumerGroup(group);
      expect(info).toMatchObject({
        name: group,
        settings: { ...defaultConsumerGroupSettings, batchSize: 10 },
        checkpoint: null,
        parkedCount: 0,
        activeConsumer: null,
      });

      const written = await log().appendToStream(stream(), events(2));
      const subscription = subscribe(group);
      await subscription.ack(await nextBatch(iterate(subscription)));
      await subscription.close();

      await groups().createConsumerGroup(group, {
        filter: info!.settings.filter,
        batchSize: 1,
        startFrom: "end",
      });
      expect(await groups().getConsumerGroup(group)).toMatchObject({
        settings: { batchSize: 1, startFrom: "start" },
        checkpoint: written.position,
      });
    });

    it("creating an existing group gives it the new settings and filter; checkpoint and parked events stay", async () => {
      const { group, stream } = await newGroup(groups(), { batchSize: 10, leaseTimeoutMs: 2_000 });
      await log().appendToStream(stream(), events(3));
      const first = subscribe(group, "before-the-change");
      const [poison, ...rest] = await nextBatch(iterate(first));
      await first.nack(poison!, "park", "cannot parse");
      await first.ack(rest);
      await first.close();
      const before = (await groups().getConsumerGroup(group))!;
      expect(before).toMatchObject({ checkpoint: rest.at(-1)!.position, parkedCount: 1 });

      // What a deployment with another PROJECTOR_BATCH_SIZE / PROJECTOR_LEASE_MS (and a projector
      // that now reads one event type only) asks for at its start.
      const kept = `Kept-${randomUUID()}`;
      const changed = {
        batchSize: 2,
        maxRetryCount: 1,
        messageTimeoutMs: 4_000,
        leaseTimeoutMs: 700,
        filter: { ...before.settings.filter, eventTypes: [kept] },
      };
      await groups().createConsumerGroup(group, { ...changed, startFrom: "end" });
      expect(await groups().getConsumerGroup(group)).toEqual({
        ...before,
        settings: { ...before.settings, ...changed },
      });
      expect((await groups().listParked(group)).map((entry) => [entry.event.id, entry.reason])).toEqual([
        [poison!.id, "cannot parse"],
      ]);

      // The next holder works by them: two events a batch, only the kept type.
      await log().appendToStream(stream(), [...events(1, "Dropped"), ...events(3, kept)]);
      const second = subscribe(group, "after-the-change");
      const batches = iterate(second);
      const batch = await nextBatch(batches);
      expect(batch.map((event) => [event.type, event.revision])).toEqual([
        [kept, 4],
        [kept, 5],
      ]);
      await second.ack(batch);
      expect((await nextBatch(batches)).map((event) => event.revision)).toEqual([6]);
    });

    it("a filter widened on an existing group takes what it now selects, from the checkpoint on", async () => {
      const { group, stream } = await newGroup(groups());
      const before = (await groups().getConsumerGroup(group))!;
      const otherPrefix = `cx${randomUUID().slice(0, 8)}-`;
      const widened = { streamPrefixes: [...before.settings.filter!.streamPrefixes!, otherPrefix] };
      const recreate = groups().createConsumerGroup(group, { filter: widened });
      if (limits.includes("filter-narrows-only")) {
        await expect(recreate).rejects.toMatchObject({ code: "CONSUMER_GROUP_FILTER_FIXED", group });
        expect(await groups().getConsumerGroup(group)).toEqual(before);
        return;
      }
      await recreate;
      expect((await groups().getConsumerGroup(group))?.settings.filter).toEqual(widened);
      await log().appendToStream(`${otherPrefix}a`, events(1));
      await log().appendToStream(stream(), events(1));
      const subscription = subscribe(group);
      expect((await nextBatch(iterate(subscription))).map((event) => event.streamId)).toEqual([
        `${otherPrefix}a`,
        stream(),
      ]);
    });

    it("names an unknown group with ConsumerGroupNotFound", async () => {
      const unknown = `missing-${randomUUID()}`;
      expect(await groups().getConsumerGroup(unknown)).toBeNull();
      await expect(groups().resetConsumerGroup(unknown, null)).rejects.toBeInstanceOf(ConsumerGroupNotFound);
      await expect(groups().deleteConsumerGroup(unknown)).rejects.toBeInstanceOf(ConsumerGroupNotFound);
      await expect(groups().listParked(unknown)).rejects.toBeInstanceOf(ConsumerGroupNotFound);
      await expect(groups().replayParked(unknown)).rejects.toBeInstanceOf(ConsumerGroupNotFound);
      await expect(nextBatch(iterate(subscribe(unknown)))).rejects.toMatchObject({
        code: "CONSUMER_GROUP_NOT_FOUND",
        group: unknown,
      });
    });

    it("deletes a group", async () => {
      const { group } = await newGroup(groups());
      await groups().deleteConsumerGroup(group);
      expect(await groups().getConsumerGroup(group)).toBeNull();
    });
  });

  describe("delivery", () => {
    it("delivers the log in batches of at most batchSize, in order, and moves the checkpoint on ack", async () => {
      const { group, stream } = await newGroup(groups(), { batchSize: 2 });
      await log().appendToStream(stream("a"), events(2));
      await log().appendToStream(uniqueStream("elsewhere"), events(1));
      const last = await log().appendToStream(stream("b"), events(1));

      const subscription = subscribe(group);
      const batches = iterate(subscription);
      const first = await nextBatch(batches);
      expect(first.map((event) => [event.streamId, event.revision, event.retryCount])).toEqual([
        [stream("a"), 0, 0],
        [stream("a"), 1, 0],
      ]);
      expect(subscription.isActive).toBe(true);
      expect((await groups().getConsumerGroup(group))?.checkpoint).toBeNull();
      await subscription.ack(first);
      expect((await groups().getConsumerGroup(group))?.checkpoint).toEqual(first[1]!.position);

      const second = await nextBatch(batches);
      expect(second.map((event) => event.streamId)).toEqual([stream("b")]);
      await subscription.ack(second);
      expect((await groups().getConsumerGroup(group))?.checkpoint).toEqual(last.position);
    });

    it("filters by event type", async () => {
      const { group, stream } = await newGroup(groups(), {
        filter: { eventTypes: [`Opened-${randomUUID()}`] },
      });
      const type = (await groups().getConsumerGroup(group))!.settings.filter!.eventTypes![0]!;
      await log().appendToStream(stream(), [...events(1, "Other"), ...events(1, type)]);
      const subscription = subscribe(group);
      expect((await nextBatch(iterate(subscription))).map((event) => event.type)).toEqual([type]);
    });

    it("startFrom 'end' delivers only what is appended after the group was created", async () => {
      const prefix = `end${randomUUID().slice(0, 8)}-`;
      await log().appendToStream(`${prefix}old`, events(2));
      const group = `g-${randomUUID()}`;
      await groups().createConsumerGroup(group, { startFrom: "end", filter: { streamPrefixes: [prefix] } });
      await log().appendToStream(`${prefix}new`, events(1));
      const subscription = subscribe(group);
      expect((await nextBatch(iterate(subscription))).map((event) => event.streamId)).toEqual([
        `${prefix}new`,
      ]);
    });

    it("startFrom a position delivers what follows it", async () => {
      const prefix = `pos${randomUUID().slice(0, 8)}-`;
      const from = await log().appendToStream(`${prefix}a`, events(2));
      await log().appendToStream(`${prefix}b`, events(1));
      const group = `g-${randomUUID()}`;
      await groups().createConsumerGroup(group, {
        startFrom: from.position,
        filter: { streamPrefixes: [prefix] },
      });
      expect((await groups().getConsumerGroup(group))?.settings.startFrom).toEqual(from.position);
      const subscription = subscribe(group);
      expect((await nextBatch(iterate(subscription))).map((event) => event.streamId)).toEqual([`${prefix}b`]);
    });

    it("wakes up on an append instead of waiting out idleWaitMs", { timeout: 10_000 }, async () => {
      const { group, stream } = await newGroup(groups());
      // An hour of idle wait: only the append's wake-up can deliver within the test's timeout.
      const subscription = subscribe(group, "sleeper", 3_600_000);
      const next = nextBatch(iterate(subscription));
      expect(await stillPendingAfter(next, 150)).toBe("pending");
      await log().appendToStream(stream(), events(1));
      expect(await next).toHaveLength(1);
    });

    it("redelivers a batch left unsettled past messageTimeoutMs, counting a retry", async () => {
      const { group, stream } = await newGroup(groups(), { messageTimeoutMs: 100 });
      await log().appendToStream(stream(), events(2));
      const subscription = subscribe(group);
      const batches = iterate(subscription);
      const first = await nextBatch(batches);
      await subscription.ack(first.slice(0, 1));
      const again = await nextBatch(batches);
      expect(again.map((event) => [event.id, event.retryCount])).toEqual([[first[1]!.id, 1]]);
    });

    it("counts a batch's message timeout from its delivery, not from when it was read", async () => {
      // The second batch can be read while the consumer works on the first (PostgreSQL reads
      // ahead); its timeout must not run while it waits for the first to be settled.
      const { group, stream } = await newGroup(groups(), { batchSize: 2, messageTimeoutMs: 1_000 });
      await log().appendToStream(stream(), events(5));
      const subscription = subscribe(group);
      const batches = iterate(subscription);
      const first = await nextBatch(batches);
      // Asking for the next batch at once: the subscription waits for this one to be settled.
      const nextOne = nextBatch(batches);
      await new Promise((resolve) => setTimeout(resolve, 600));
      await subscription.ack(first);
      const second = await nextOne;
      const nextTwo = nextBatch(batches);
      // 1,200 ms after the second batch could have been read, 600 after it was delivered.
      await new Promise((resolve) => setTimeout(resolve, 600));
      await subscription.ack(second);
      const third = await nextTwo;
      expect([...first, ...second, ...third].map((event) => [event.revision, event.retryCount])).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
        [3, 0],
        [4, 0],
      ]);
    });

    it("resetConsumerGroup rewinds a group, even while it is being consumed", async () => {
      // The reset takes the group from its consumer, which notices at its next lease renewal.
      const { group, stream } = await newGroup(groups(), { leaseTimeoutMs: 300 });
      await log().appendToStream(stream(), events(3));
      const subscription = subscribe(group);
      const batches = iterate(subscription);
      const first = await nextBatch(batches);
      await subscription.ack(first);

      await groups().resetConsumerGroup(group, first[0]!.position);
      expect((await groups().getConsumerGroup(group))?.checkpoint).toEqual(first[0]!.position);
      expect(idsOf(await nextBatch(batches))).toEqual(idsOf(first.slice(1)));
    });
  });

  describe("nack, parking and replay", () => {
    it("retry redelivers at the head of the next batch; after maxRetryCount retries the event is parked", async () => {
      const { group, stream } = await newGroup(groups(), { maxRetryCount: 2, batchSize: 2 });
      await log().appendToStream(stream(), events(4));
      const subscription = subscribe(group);
      const batches = iterate(subscription);

      const first = await nextBatch(batches);
      const failing = first[0]!;
      await subscription.nack(failing, "retry", "handler failed");
      await subscription.ack(first.slice(1));

      const second = await nextBatch(batches);
      expect(second.map((event) => [event.id, event.retryCount])).toEqual([
        [failing.id, 1],
        [expect.any(String), 0],
      ]);
      await subscription.nack(second[0]!, "retry", "handler failed");
      await subscription.ack(second.slice(1));

      const third = await nextBatch(batches);
      expect(third.map((event) => [event.id, event.retryCount])).toEqual([
        [failing.id, 2],
        [expect.any(String), 0],
      ]);
      await subscription.nack(third[0]!, "retry", "handler failed");
      await subscription.ack(third.slice(1));

      expect(await groups().getConsumerGroup(group)).toMatchObject({ parkedCount: 1 });
      const [parked] = await groups().listParked(group);
      expect(parked).toMatchObject({ group, reason: "handler failed", attempts: 3 });
      expect(parked!.event.id).toBe(failing.id);
      expect(parked!.parkedAt).toBeInstanceOf(Date);
      expect(idsOf([...first, ...second, ...third].filter((event) => event.retryCount === 0))).toEqual(
        idsOf(await log().readStream(stream())),
      );
    });

    it("park parks at once; skip drops the event", async () => {
      const { group, stream } = await newGroup(groups());
      await log().appendToStream(stream(), events(3));
      const subscription = subscribe(group);
      const batches = iterate(subscription);
      const [poison, dropped, fine] = await nextBatch(batches);
      await subscription.nack(poison!, "park", "cannot parse");
      await subscription.nack(dropped!, "skip", "not for us");
      await subscription.ack([fine!]);

      const parked = await groups().listParked(group);
      expect(parked.map((entry) => [entry.event.id, entry.reason, entry.attempts])).toEqual([
        [poison!.id, "cannot parse", 1],
      ]);
      await log().appendToStream(stream(), events(1));
      const next = await nextBatch(batches);
      expect(next.map((event) => event.revision)).toEqual([3]);
    });

    it("replays parked events oldest first, ahead of new events, until acked", async () => {
      const { group, stream } = await newGroup(groups());
      await log().appendToStream(stream(), events(3));
      const subscription = subscribe(group);
      const batches = iterate(subscription);
      const first = await nextBatch(batches);
      for (const event of first) await subscription.nack(event, "park", `bad ${event.revision}`);
      expect((await groups().getConsumerGroup(group))?.parkedCount).toBe(3);
      expect((await groups().listParked(group, { limit: 2 })).map((entry) => entry.event.id)).toEqual(
        idsOf(first.slice(0, 2)),
      );

      await log().appendToStream(stream(), events(1));
      expect(await groups().replayParked(group, { limit: 2 })).toBe(2);
      const replayed = await nextBatch(batches);
      expect(replayed.map((event) => [event.revision, event.retryCount])).toEqual([
        [0, 0],
        [1, 0],
        [3, 0],
      ]);
      // Still parked until settled.
      expect((await groups().getConsumerGroup(group))?.parkedCount).toBe(3);
      await subscription.ack(replayed);
      expect((await groups().listParked(group)).map((entry) => entry.event.revision)).toEqual([2]);
      expect((await groups().getConsumerGroup(group))?.parkedCount).toBe(1);

      expect(await groups().replayParked(group)).toBe(1);
      expect((await nextBatch(batches)).map((event) => event.revision)).toEqual([2]);
      expect(await groups().replayParked(group)).toBe(0);
    });
  });

  describe("single active consumer", () => {
    it("one consumer holds the group; the next takes over at close and continues from the checkpoint", async () => {
      const { group, stream } = await newGroup(groups());
      await log().appendToStream(stream(), events(2));
      const one = subscribe(group, "consumer-one");
      const oneBatches = iterate(one);
      const delivered = [...(await nextBatch(oneBatches))];
      await one.ack(delivered);

      const two = subscribe(group, "consumer-two");
      const twoNext = nextBatch(iterate(two));
      await log().appendToStream(stream(), events(1));
      const moreForOne = await nextBatch(oneBatches);
      await one.ack(moreForOne);
      delivered.push(...moreForOne);
      expect(await stillPendingAfter(twoNext, 100)).toBe("pending");
      expect(one.isActive).toBe(true);
      expect(two.isActive).toBe(false);
      expect((await groups().getConsumerGroup(group))?.activeConsumer).toBe("consumer-one");

      await one.close();
      expect(one.isActive).toBe(false);
      expect((await oneBatches.next()).done).toBe(true);
      await log().appendToStream(stream(), events(1));
      const forTwo = await twoNext;
      expect(forTwo.map((event) => event.revision)).toEqual([3]);
      expect(two.isActive).toBe(true);
      expect((await groups().getConsumerGroup(group))?.activeConsumer).toBe("consumer-two");
      expect(delivered.map((event) => event.revision)).toEqual([0, 1, 2]);
    });

    it("after a consumer dies, the next one takes over when its lease runs out and redelivers only the unacked batch", async () => {
      const { group, stream } = await newGroup(groups(), { leaseTimeoutMs: 300, batchSize: 2 });
      await log().appendToStream(stream(), events(4));
      const one = subscribe(group, "doomed");
      const oneBatches = iterate(one);
      const acked = await nextBatch(oneBatches);
      await one.ack(acked);
      const unacked = await nextBatch(oneBatches);

      const two = subscribe(group, "survivor");
      const twoNext = nextBatch(iterate(two));
      handle().simulateCrash(one);
      expect(idsOf(await twoNext)).toEqual(idsOf(unacked));
      expect((await groups().getConsumerGroup(group))?.activeConsumer).toBe("survivor");
    });

    it("close() ends the iteration and releases the group", async () => {
      const { group } = await newGroup(groups());
      const subscription = subscribe(group, "quitter");
      const batches = iterate(subscription);
      const next = batches.next();
      await vi.waitFor(async () =>
        expect((await groups().getConsumerGroup(group))?.activeConsumer).toBe("quitter"),
      );
      await subscription.close();
      expect((await next).done).toBe(true);
      expect((await groups().getConsumerGroup(group))?.activeConsumer).toBeNull();
    });
  });
}
