import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EventToAppend } from "../../eventstore/port";
import { ProjectorRunner } from "../../projectors/runtime";
import { accountsProjector } from "../../readmodels/accounts";
import { ordersProjector } from "../../readmodels/orders";
import type { Projector } from "../../readmodels/view";
import { readingThroughContracts } from "../../server/contracts/reading";
import { eventually } from "../support/service";
import { storeAndRedis } from "../support/store-and-redis";

/**
 * Events this code cannot read (a type no contract names, a version newer than the code, as a
 * later release or another writer may leave in the log) reach a view's projector as the service
 * runs it, through the contracts: they are retried, then parked with the reason, and never written
 * into the view as something they are not; old versions are read in today's shape. The events are
 * appended to the store directly, past the door, as such a writer would.
 */

const t = storeAndRedis();
const keys = t.keys;

const at = "2026-03-01T10:00:00.000Z";
const event = (type: string, data: Record<string, unknown>, schemaVersion = 1): EventToAppend => ({
  id: randomUUID(),
  type,
  data: data as EventToAppend["data"],
  schemaVersion,
});
const opened = (accountId: string) =>
  event("AccountOpened", { accountId, ownerId: "pat", currency: "USD", openedAt: at });
const deposited = (accountId: string, amount: number, schemaVersion = 1) =>
  event(
    "MoneyDeposited",
    { accountId, amount, currency: "USD", balanceAfter: amount, depositedAt: at },
    schemaVersion,
  );

function runner(projector: Projector, name: string): ProjectorRunner {
  return new ProjectorRunner({
    store: t.store,
    redis: t.redis,
    keys,
    projector,
    consumerName: name,
    groupSettings: { maxRetryCount: 2, batchSize: 50 },
    retryBackoffMs: 1,
    reportEveryMs: 100,
  });
}

describe("a view reading through the contracts", () => {
  it("parks an event of an unknown version or type with the reason, and goes on with the other streams", async () => {
    await t.store.appendToStream("account-newer", [opened("newer"), deposited("newer", 500, 2)]);
    await t.store.appendToStream("account-odd", [
      opened("odd"),
      event("AccountFrozen", { accountId: "odd" }),
    ]);
    await t.store.appendToStream("account-fine", [opened("fine"), deposited("fine", 1250)]);

    const accounts = runner(readingThroughContracts(accountsProjector(keys)), "reading-accounts");
    await accounts.start();
    try {
      const parked = await eventually(async () => {
        const list = await t.store.listParked(accounts.groupName);
        expect(list.map((p) => p.event.type).sort()).toEqual(["AccountFrozen", "MoneyDeposited"]);
        return list;
      });
      const reasons = Object.fromEntries(parked.map((p) => [p.event.type, p.reason]));
      expect(reasons.MoneyDeposited).toContain(
        "Cannot read MoneyDeposited v2: this code reads versions 1 to 1",
      );
      expect(reasons.AccountFrozen).toContain(
        "Cannot read AccountFrozen v1: not an event of account streams (unknown event type)",
      );
      await eventually(async () => expect(await t.redis.hget(keys.account("fine"), "balance")).toBe("1250"));
      // Nothing was read as something else: the accounts stopped before the events they cannot read.
      expect(await t.redis.hgetall(keys.account("newer"))).toMatchObject({ balance: "0", revision: "0" });
      expect(await t.redis.hgetall(keys.account("odd"))).toMatchObject({ status: "open", revision: "0" });
    } finally {
      await accounts.stop();
    }
  });

  it("reads an old version in today's shape (OrderPlaced v1, as the first release stored it)", async () => {
    await t.store.appendToStream("order-legacy", [
      event(
        "OrderPlaced",
        {
          orderId: "legacy",
          customerId: "c-7",
          currency: "USD",
          lines: [{ productId: "p-mug", quantity: 2, unitPrice: 1250 }],
          subtotal: 2500,
          tax: 181,
          total: 2681,
          shippingAddress: "1 Market St, San Francisco, 94105, us",
          placedAt: at,
        },
        1,
      ),
    ]);
    const orders = runner(readingThroughContracts(ordersProjector(keys)), "reading-orders");
    await orders.start();
    try {
      await eventually(async () =>
        expect(await t.redis.hgetall(keys.order("legacy"))).toMatchObject({
          status: "awaiting_payment",
          city: "San Francisco",
          country: "US",
          region: "UNKNOWN",
          itemCount: "2",
        }),
      );
      expect(await t.store.listParked(orders.groupName)).toEqual([]);
    } finally {
      await orders.stop();
    }
  });
});
