import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import type { EventToAppend } from "../../eventstore/port";
import { accountsProjector } from "../../readmodels/accounts";
import type { Projector } from "../../projectors/projector";
import { ProjectorRunner } from "../../projectors/runtime";
import { skipParkedEvent } from "../../projectors/parking";
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
      expect(history.map(([, fields]) => (JSON.parse(fields[1]!) as { revision: string }).revision)).toEqual([
        "0",
        "1",
        "2",
        "3",
      ]);
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
