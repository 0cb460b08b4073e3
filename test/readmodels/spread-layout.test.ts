import { describe, expect, it } from "vitest";
import { generationKeys, partitionName, partitionOf, readModelKeys } from "../../readmodels/keys";
import { spreadableViewNames, views } from "../../readmodels/registry";
import type { Projection } from "../../readmodels/view";
import { eventLog } from "../support/projection-spec";

/** The hash tag Redis Cluster hashes a key by: between the first "{" and the next "}", if not empty. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

const partitions = 3;
const layout = { cluster: true, spread: { views: spreadableViewNames, partitions } };
const base = readModelKeys("ll:", "ll:", layout);

/** Account and transfer streams of many ids, each with the events the spread views take. */
function mixedLog() {
  const next = eventLog();
  const at = "2026-03-01T10:00:00.000Z";
  const events = [];
  for (let i = 0; i < 40; i++) {
    const accountId = `acc-${i}`;
    const account = `account-${accountId}`;
    events.push(
      next(account, "AccountOpened", { accountId, ownerId: `o-${i % 3}`, currency: "EUR", openedAt: at }),
      next(account, "MoneyDeposited", {
        accountId,
        amount: 500,
        currency: "EUR",
        balanceAfter: 500,
        depositedAt: at,
      }),
    );
    const transferId = `t-${i}`;
    events.push(
      next(`transfer-${transferId}`, "TransferRequested", {
        transferId,
        fromAccountId: accountId,
        toAccountId: `acc-${i + 1}`,
        amount: 100,
        currency: "EUR",
        requestedAt: at,
      }),
    );
    const orderId = `ord-${i}`;
    const customerId = `cust-${i % 4}`;
    events.push(
      next(
        `order-${orderId}`,
        "OrderPlaced",
        {
          orderId,
          customerId,
          currency: "EUR",
          lines: [{ productId: "mug", sku: "MUG-1", quantity: 1, unitPrice: 450 }],
          subtotal: 450,
          tax: 86,
          total: 536,
          shippingAddress: {
            line1: "1 Main St",
            city: "Berlin",
            postalCode: "10115",
            country: "DE",
            region: "DE",
          },
          region: "DE",
          itemCount: 1,
          placedAt: at,
        },
        2,
      ),
      next(`order-${orderId}`, "PaymentConfirmed", {
        orderId,
        customerId,
        amount: 536,
        currency: "EUR",
        paymentReference: `pay-${i}`,
        confirmedAt: at,
      }),
    );
  }
  return events;
}

function keysOf(projection: Projection): string[] {
  const keys = projection.ops.map((op) => op[1] as string);
  return projection.guard ? [projection.guard.key, ...keys] : keys;
}

describe("the spread cluster layout", () => {
  it("is offered by the views whose every key is placed by one stream", () => {
    expect([...spreadableViewNames].sort()).toEqual([
      "account-transactions",
      "accounts",
      "balance-history",
      "customer-orders",
      "orders",
      "orders-by-region",
      "revenue",
      "transfers",
    ]);
  });

  it("writes each event's keys in the slot of its stream's partition, at every generation", () => {
    const events = mixedLog();
    for (const name of spreadableViewNames) {
      const view = Object.values(views).find((v) => v.name === name)!;
      for (const generation of [0, 4]) {
        const projector = view.projector(generationKeys(base, name, generation));
        let written = 0;
        for (const event of events.filter((e) =>
          projector.filter.streamPrefixes!.some((p) => e.streamId.startsWith(p)),
        )) {
          const tag = partitionName(name, partitionOf(event.streamId, partitions), partitions);
          for (const key of keysOf(projector.project(event))) {
            expect(hashTag(key), `${name} ${event.type} ${key}`).toBe(tag);
            written++;
          }
        }
        expect(written, name).toBeGreaterThan(40);
      }
    }
  });

  it("spreads a view's entities over every partition, and readers compute the same slot from the id", () => {
    const at = generationKeys(base, "account-transactions", 0);
    const tags = new Set(Array.from({ length: 60 }, (_, i) => hashTag(at.accountTransactions(`acc-${i}`))));
    expect(tags.size).toBe(partitions);
    const checkpoints = [0, 1, 2].map((p) =>
      at.checkpoint(partitionName("account-transactions", p, partitions)),
    );
    expect(checkpoints.map(hashTag)).toEqual(
      [0, 1, 2].map((p) => partitionName("account-transactions", p, partitions)),
    );
    expect(hashTag(base.partitionGeneration("account-transactions", 1))).toBe(
      partitionName("account-transactions", 1, partitions),
    );
    expect(hashTag(at.rebuildCheckpoint("account-transactions", 2))).toBe(
      partitionName("account-transactions", 2, partitions),
    );
  });

  it("keeps an index that gathers entities once per partition, which readers read in every one", () => {
    const accounts = generationKeys(base, "accounts", 2);
    const written = accounts.ownerAccounts("o-1", { stream: "account-acc-7" });
    expect(hashTag(written)).toBe(
      partitionName("accounts", partitionOf("account-acc-7", partitions), partitions),
    );
    const read = accounts.inEveryPartition((placement) => accounts.ownerAccounts("o-1", placement));
    expect(read.map(hashTag)).toEqual([0, 1, 2].map((p) => partitionName("accounts", p, partitions)));
    expect(read).toContain(written);
  });

  it("leaves the views that gather across entities under one tag, and the single layout as it was", () => {
    const inventory = generationKeys(base, "inventory", 0);
    expect(hashTag(inventory.inventory("mug"))).toBe("inventory");
    expect(inventory.inEveryPartition(() => inventory.inventoryAvailable())).toEqual([
      inventory.inventoryAvailable(),
    ]);
    const single = readModelKeys("ll:", "ll:", {});
    expect(single.accountTransactions("acc-1")).toBe("ll:account:acc-1:transactions");
    expect(single.inEveryPartition((placement) => single.ownerAccounts("o", placement))).toEqual([
      "ll:owner:o:accounts",
    ]);
    expect(() =>
      readModelKeys("ll:", "ll:", { cluster: true, spread: { views: ["transfers"], partitions: 1 } }),
    ).toThrow(/at least 2/);
  });
});
