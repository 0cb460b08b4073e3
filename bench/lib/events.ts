import { randomUUID } from "node:crypto";
import { accountStreamId } from "../../domain/banking/state";
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
