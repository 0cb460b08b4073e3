import { randomUUID } from "node:crypto";
import { accountStreamId } from "../../domain/banking/state";
import { orderEventExamples } from "../../domain/ordering/examples";
import { orderStreamId } from "../../domain/ordering/state";
import type { EventStore, EventToAppend, JsonObject } from "../../eventstore/port";

/**
 * Account events shaped as the command runtime writes them (data and metadata), so that what the
 * benchmark appends directly costs what a real command would append.
 */
export function metadata(commandType: string): JsonObject {
  const id = randomUUID();
  return { correlationId: id, causationId: id, commandType, timestamp: new Date().toISOString() };
}

export function opened(accountId: string): EventToAppend {
  const at = new Date().toISOString();
  return {
    id: randomUUID(),
    type: "AccountOpened",
    data: { accountId, ownerId: "bench", currency: "USD", openedAt: at },
    metadata: metadata("OpenAccount"),
    schemaVersion: 1,
  };
}

export function deposited(accountId: string, amount: number, balanceAfter: number): EventToAppend {
  return {
    id: randomUUID(),
    type: "MoneyDeposited",
    data: { accountId, amount, currency: "USD", balanceAfter, depositedAt: new Date().toISOString() },
    metadata: metadata("DepositMoney"),
    schemaVersion: 1,
  };
}

export function withdrawn(accountId: string, amount: number, balanceAfter: number): EventToAppend {
  return {
    id: randomUUID(),
    type: "MoneyWithdrawn",
    data: {
      accountId,
      withdrawalId: randomUUID(),
      amount,
      currency: "USD",
      balanceAfter,
      withdrawnAt: new Date().toISOString(),
    },
    metadata: metadata("WithdrawMoney"),
    schemaVersion: 1,
  };
}

/**
 * The life of one account as `count` events: opened, then four deposits of 10.00 for every
 * withdrawal of 5.00 (so the balance never goes negative and the state carries withdrawals).
 */
export function accountHistory(accountId: string, count: number): EventToAppend[] {
  const events: EventToAppend[] = [opened(accountId)];
  let balance = 0;
  for (let i = 1; i < count; i++) {
    if (i % 5 === 0) {
      balance -= 500;
      events.push(withdrawn(accountId, 500, balance));
    } else {
      balance += 1000;
      events.push(deposited(accountId, 1000, balance));
    }
  }
  return events;
}

/**
 * Appends the histories of `streams` accounts, `total` events in all, in batches of `batch` events
 * per append with exact expected revisions, `concurrency` appends in flight. Setup, not measured.
 */
export async function seedAccounts(
  store: EventStore,
  options: { prefix: string; streams: number; total: number; batch?: number; concurrency?: number },
  onProgress?: (appended: number) => void,
): Promise<string[]> {
  const batch = options.batch ?? 250;
  const perStream = Math.max(1, Math.floor(options.total / options.streams));
  const ids = Array.from({ length: options.streams }, (_, i) => `${options.prefix}${i}`);
  let next = 0;
  let appended = 0;
  const worker = async () => {
    while (next < ids.length) {
      const accountId = ids[next++]!;
      const history = accountHistory(accountId, perStream);
      for (let from = 0; from < history.length; from += batch) {
        await store.appendToStream(accountStreamId(accountId), history.slice(from, from + batch), {
          expectedRevision: from === 0 ? "no_stream" : from - 1,
        });
        appended += Math.min(batch, history.length - from);
        onProgress?.(appended);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return ids;
}

/** Today's version of an order event, from the contract examples (the first example of the last version). */
function currentOrderEvent(type: "OrderPlaced" | "PaymentConfirmed" | "OrderShipped" | "OrderDelivered") {
  const versions = orderEventExamples[type] as readonly (readonly JsonObject[])[];
  return { data: versions.at(-1)![0]!, schemaVersion: versions.length };
}

const regions = ["US-CA", "US-NY", "US-TX", "DE", "FR"];

/**
 * The life of one paid, shipped and delivered order (4 events), shaped as today's contract
 * examples, for `customerId`, in one of a few regions, placed on one of 30 days: what the order,
 * revenue, region and customer views take.
 */
export function orderHistory(orderId: string, customerId: string, n: number): EventToAppend[] {
  const day = new Date(Date.UTC(2026, 9, 1 + (n % 30), 9)).toISOString();
  const region = regions[n % regions.length]!;
  return (["OrderPlaced", "PaymentConfirmed", "OrderShipped", "OrderDelivered"] as const).map((type) => {
    const { data, schemaVersion } = currentOrderEvent(type);
    const shaped: JsonObject = { ...data, orderId, customerId };
    if (type === "OrderPlaced") {
      shaped.placedAt = day;
      shaped.region = region;
      shaped.shippingAddress = { ...(data.shippingAddress as JsonObject), region };
    }
    return { id: randomUUID(), type, data: shaped, metadata: metadata(type), schemaVersion };
  });
}

/** Appends `orders` order histories (4 events each) for `customers` customers; setup, not measured. */
export async function seedOrders(
  store: EventStore,
  options: { prefix: string; orders: number; customers: number; concurrency?: number },
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < options.orders) {
      const n = next++;
      const orderId = `${options.prefix}${n}`;
      await store.appendToStream(
        orderStreamId(orderId),
        orderHistory(orderId, `${options.prefix}c${n % options.customers}`, n),
        { expectedRevision: "no_stream" },
      );
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
}
