import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountAggregate } from "../../commands/aggregates/account";
import { CommandRuntime } from "../../commands/runtime";
import { StateCache } from "../../commands/state-cache";
import type { AccountCommand } from "../../domain/banking/commands";
import { InsufficientFunds } from "../../domain/banking/errors";
import { accountStreamId } from "../../domain/banking/state";
import { at, context, deposit } from "../support/account-commands";
import { createPostgresTestStore, type TestEventStore } from "../support/eventstores";

/**
 * The state a runtime keeps between commands, against PostgreSQL: a command to a stream this
 * process just wrote appends without reading it; two runtimes on one store (two gateway
 * processes) never answer from a state the other has moved past.
 */

let es: TestEventStore;
beforeAll(async () => {
  es = await createPostgresTestStore();
});
afterAll(async () => {
  await es?.close();
});

const open = (accountId: string): AccountCommand => ({
  type: "OpenAccount",
  accountId,
  ownerId: "o",
  currency: "EUR",
  at,
});
const withdraw = (accountId: string, amount: number): AccountCommand => ({
  type: "WithdrawMoney",
  accountId,
  withdrawalId: randomUUID(),
  amount,
  currency: "EUR",
  at,
});

async function balanceOf(accountId: string): Promise<number> {
  const events = await es.store.readStream(accountStreamId(accountId));
  return events.reduce((balance, event) => {
    const data = event.data as { amount?: number };
    if (event.type === "MoneyDeposited") return balance + data.amount!;
    if (event.type === "MoneyWithdrawn") return balance - data.amount!;
    return balance;
  }, 0);
}

describe("the state kept between commands", () => {
  it("appends a command to a stream it just wrote without reading the stream", async () => {
    const commands = new CommandRuntime({ store: es.store });
    await commands.execute(accountAggregate, "kept-1", open("kept-1"), context());
    const reads = commands.streamReads;
    for (let i = 0; i < 5; i++) {
      await commands.execute(accountAggregate, "kept-1", deposit("kept-1", 100), context());
    }
    expect(commands.streamReads).toBe(reads);
    const last = await commands.execute(accountAggregate, "kept-1", withdraw("kept-1", 250), context());
    expect(last.revision).toBe(6);
    expect(await balanceOf("kept-1")).toBe(250);
  });

  it("re-reads and appends once when another process appended since (stale state: a conflict, never a lost or doubled event)", async () => {
    const a = new CommandRuntime({ store: es.store });
    const b = new CommandRuntime({ store: es.store });
    await a.execute(accountAggregate, "kept-2", open("kept-2"), context());
    await a.execute(accountAggregate, "kept-2", deposit("kept-2", 100), context());
    await b.execute(accountAggregate, "kept-2", deposit("kept-2", 40), context());
    const reads = a.streamReads;
    const result = await a.execute(accountAggregate, "kept-2", deposit("kept-2", 1), context());
    expect(result.revision).toBe(3);
    expect(a.streamReads).toBe(reads + 1);
    const events = await es.store.readStream(accountStreamId("kept-2"));
    expect(events.map((event) => event.type)).toEqual([
      "AccountOpened",
      "MoneyDeposited",
      "MoneyDeposited",
      "MoneyDeposited",
    ]);
    expect(await balanceOf("kept-2")).toBe(141);
  });

  it("does not refuse from a stale state: the refusal is decided again on the stream as stored", async () => {
    const a = new CommandRuntime({ store: es.store });
    const b = new CommandRuntime({ store: es.store });
    await a.execute(accountAggregate, "kept-3", open("kept-3"), context());
    await a.execute(accountAggregate, "kept-3", deposit("kept-3", 100), context());
    // a keeps a balance of 100; b brings it to 300.
    await b.execute(accountAggregate, "kept-3", deposit("kept-3", 200), context());
    const result = await a.execute(accountAggregate, "kept-3", withdraw("kept-3", 250), context());
    expect(result.eventTypes).toEqual(["MoneyWithdrawn"]);
    expect(await balanceOf("kept-3")).toBe(50);
    // And a refusal on the stored state is still a refusal, with the balance as stored.
    await b.execute(accountAggregate, "kept-3", deposit("kept-3", 5), context());
    const refusal = await a
      .execute(accountAggregate, "kept-3", withdraw("kept-3", 60), context())
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InsufficientFunds);
    expect(refusal).toMatchObject({ balance: 55 });
  });

  it("keeps nothing when its size is 0", async () => {
    const commands = new CommandRuntime({ store: es.store, stateCacheSize: 0 });
    await commands.execute(accountAggregate, "kept-4", open("kept-4"), context());
    const reads = commands.streamReads;
    await commands.execute(accountAggregate, "kept-4", deposit("kept-4", 1), context());
    await commands.execute(accountAggregate, "kept-4", deposit("kept-4", 1), context());
    expect(commands.streamReads).toBe(reads + 2);
  });
});

describe("StateCache", () => {
  it("drops the least recently used stream beyond its capacity", () => {
    const cache = new StateCache<number>(2);
    cache.set("a", { state: 1, revision: 0, snapshotRevision: -1 });
    cache.set("b", { state: 2, revision: 0, snapshotRevision: -1 });
    expect(cache.get("a")?.state).toBe(1);
    cache.set("c", { state: 3, revision: 0, snapshotRevision: -1 });
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.state).toBe(1);
    expect(cache.get("c")?.state).toBe(3);
    expect(cache.size).toBe(2);
  });
});
