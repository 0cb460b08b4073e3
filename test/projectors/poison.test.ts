import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { ConsumerGroupNotFound, type EventToAppend } from "../../eventstore/port";
import { accountsProjector } from "../../readmodels/accounts";
import type { Projector } from "../../projectors/projector";
import { ProjectorRunner } from "../../projectors/runtime";
import { skipParkedEvent } from "../../projectors/parking";
import { ParkedEvents } from "../../projectors/parked-events";
import { partitioned } from "../../projectors/partition";
import { partitionOf } from "../../readmodels/keys";
import { snapshotOf } from "../../readmodels/view-history";
import { eventually } from "../support/service";
import { storeAndRedis } from "../support/store-and-redis";

const t = storeAndRedis();
const keys = t.keys;

const at = "2026-02-01T10:00:00.000Z";
const opened = (accountId: string): EventToAppend => ({
  id: randomUUID(),
  type: "AccountOpened",
  data: { accountId, ownerId: "pat", currency: "USD", openedAt: at },
});
const deposited = (accountId: string, amount: number, balanceAfter: number): EventToAppend => ({
  id: randomUUID(),
  type: "MoneyDeposited",
  data: { accountId, amount, currency: "USD", balanceAfter, depositedAt: at },
});

describe("a poison event", () => {
  it("is retried, then parked with later events of its stream behind it, while other streams go on; a replay after the fix projects each exactly once", async () => {
    let broken = true;
    const real = accountsProjector(keys);
    const projector: Projector = {
      ...real,
      project(event) {
        if (broken && event.data.amount === 666) throw new Error("cannot handle 666");
        return real.project(event);
      },
    };
    await t.store.appendToStream(accountStreamId("a"), [
      opened("a"),
      deposited("a", 100, 100),
      deposited("a", 666, 766),
      deposited("a", 50, 816),
    ]);
    await t.store.appendToStream(accountStreamId("b"), [opened("b"), deposited("b", 10, 10)]);

    const runner = new ProjectorRunner({
      store: t.store,
      redis: t.redis,
      keys,
      projector,
      consumerName: "poison-test",
      groupSettings: { maxRetryCount: 3, batchSize: 50 },
      retryBackoffMs: 1,
      reportEveryMs: 100,
    });
    await runner.start();
    try {
      await eventually(async () => {
        const parked = await t.store.listParked(runner.groupName);
        expect(parked.map((p) => p.event.data.amount)).toEqual([666, 50]);
      });
      const parked = await t.store.listParked(runner.groupName);
      expect(parked[0]).toMatchObject({ attempts: 3, reason: expect.stringContaining("cannot handle 666") });
      expect(parked[1]?.reason).toContain("waiting behind parked event");
      // The other stream went on; the poisoned one stopped just before the poison.
      await eventually(async () => expect(await t.redis.hget(keys.account("b"), "balance")).toBe("10"));
      expect(await t.redis.hgetall(keys.account("a"))).toMatchObject({ balance: "100", revision: "1" });

      broken = false;
      expect(await t.store.replayParked(runner.groupName, { limit: 10 })).toBe(2);
      await eventually(async () => {
        expect(await t.redis.hgetall(keys.account("a"))).toMatchObject({ balance: "816", revision: "3" });
        expect(await t.store.listParked(runner.groupName)).toEqual([]);
      });
      // Applied once each: the history holds exactly one entry per applied revision.
      const history = await t.redis.xrange(keys.accountHistory("a"), "-", "+");
      expect(history.map(([, fields]) => snapshotOf(fields).revision)).toEqual(["0", "1", "2", "3"]);
    } finally {
      await runner.stop();
    }
  });
});

describe("a parked event skipped by an operator", () => {
  it("passes as a no-op, and the events parked behind it then apply in order", async () => {
    const real = accountsProjector(keys);
    const projector: Projector = {
      ...real,
      project(event) {
        if (event.data.amount === 13) throw new Error("unlucky");
        return real.project(event);
      },
    };
    await t.store.appendToStream(accountStreamId("c"), [
      opened("c"),
      deposited("c", 13, 13),
      deposited("c", 7, 20),
    ]);
    const runner = new ProjectorRunner({
      store: t.store,
      redis: t.redis,
      keys,
      projector,
      consumerName: "skip-test",
      groupSettings: { maxRetryCount: 2 },
      retryBackoffMs: 1,
      reportEveryMs: 100,
    });
    await runner.start();
    try {
      const poison = await eventually(async () => {
        const parked = await t.store.listParked(runner.groupName);
        expect(parked.map((p) => p.event.data.amount)).toEqual([13, 7]);
        return parked[0]!.event;
      });
      expect(await skipParkedEvent(t.store, t.redis, keys, "accounts", "no-such-event")).toBeNull();
      // Skipping the poison replays it (and nothing newer): it passes as a no-op.
      expect(await skipParkedEvent(t.store, t.redis, keys, "accounts", poison.id)).toBe(1);
      await eventually(async () => expect(await t.store.listParked(runner.groupName)).toHaveLength(1));
      // The event parked behind it goes through on the next replay, in order.
      expect(await t.store.replayParked(runner.groupName, { limit: 10 })).toBe(1);
      await eventually(async () => {
        // 13 never applied; 7 applied after it: the balance the events claim is theirs (20), the
        // revision passed over the skipped one.
        expect(await t.redis.hgetall(keys.account("c"))).toMatchObject({ revision: "2", balance: "20" });
        expect(await t.store.listParked(runner.groupName)).toEqual([]);
        expect(await t.redis.scard(keys.skippedEvents("accounts"))).toBe(0);
      });
    } finally {
      await runner.stop();
    }
  });
});

describe("parked events of a projector run as partitions", () => {
  it("are listed, skipped and replayed through the projector's name, each in the partition that parked it", async () => {
    const real = accountsProjector(keys);
    const poisoned: Projector = {
      ...real,
      project(event) {
        if (event.data.amount === 99) throw new Error("ninety-nine");
        return real.project(event);
      },
    };
    // Two accounts whose streams fall in different partitions, each with a poison and one behind it.
    const ids = Array.from({ length: 20 }, (_, i) => `part-${i}`);
    const first = ids.find((id) => partitionOf(accountStreamId(id), 2) === 0)!;
    const second = ids.find((id) => partitionOf(accountStreamId(id), 2) === 1)!;
    for (const id of [first, second])
      await t.store.appendToStream(accountStreamId(id), [
        opened(id),
        deposited(id, 99, 99),
        deposited(id, 1, 100),
      ]);
    const runners = [0, 1].map(
      (index) =>
        new ProjectorRunner({
          store: t.store,
          redis: t.redis,
          keys,
          projector: partitioned(poisoned, index, 2),
          consumerName: `partitions-test-${index}`,
          groupSettings: { maxRetryCount: 2 },
          retryBackoffMs: 1,
          reportEveryMs: 100,
        }),
    );
    for (const runner of runners) await runner.start();
    try {
      const held = new ParkedEvents(t.store, 2);
      const parked = await eventually(async () => {
        const listed = await held.list("accounts", 10);
        expect(listed.map((p) => [p.event.streamId, p.event.data.amount]).sort()).toEqual(
          [
            [accountStreamId(first), 99],
            [accountStreamId(first), 1],
            [accountStreamId(second), 99],
            [accountStreamId(second), 1],
          ].sort(),
        );
        return listed;
      });
      expect(new Set(parked.map((p) => p.group))).toEqual(new Set(runners.map((r) => r.groupName)));
      expect((await held.list("accounts", 1)).length).toBe(1);
      expect(await held.skip(t.redis, keys, "accounts", "no-such-event")).toBeNull();
      // The second partition's poison, skipped there: it replays (and nothing of the first's).
      const poison = parked.find(
        (p) => p.event.streamId === accountStreamId(second) && p.event.data.amount === 99,
      )!;
      expect(await held.skip(t.redis, keys, "accounts", poison.event.id)).toBe(1);
      await eventually(async () => expect(await held.list("accounts", 10)).toHaveLength(3));
      // The rest (two in one partition, one in the other), replayed through the projector's name.
      const before = await held.list("accounts", 10);
      expect(new Set(before.map((p) => p.group)).size).toBe(2);
      expect(await held.replay("accounts", 10)).toBe(3);
      // Partitions none of which ever started: an error naming the group, not an empty answer.
      await expect(new ParkedEvents(t.store, 3).list("accounts", 10)).rejects.toThrow(ConsumerGroupNotFound);
      await expect(new ParkedEvents(t.store, 3).skip(t.redis, keys, "accounts", "x")).rejects.toThrow(
        ConsumerGroupNotFound,
      );
      await eventually(async () => {
        expect(await t.redis.hgetall(keys.account(second))).toMatchObject({ revision: "2", balance: "100" });
        // The first's poison is still poison: parked again, with its follower behind it.
        const again = await held.list("accounts", 10);
        expect(again.map((p) => [p.event.streamId, p.event.data.amount]).sort()).toEqual([
          [accountStreamId(first), 1],
          [accountStreamId(first), 99],
        ]);
      }, 20_000);
    } finally {
      for (const runner of runners) await runner.stop();
    }
  });
});
