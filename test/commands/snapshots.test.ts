import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountAggregate } from "../../commands/aggregates/account";
import { CommandRuntime } from "../../commands/runtime";
import type { SnapshotPolicy } from "../../commands/snapshots";
import { InsufficientFunds } from "../../domain/banking/errors";
import { accountStreamId } from "../../domain/banking/state";
import type { EventLog, EventToAppend, ReadStreamOptions } from "../../eventstore/port";
import { at, context, deposit } from "../support/account-commands";
import { createPostgresTestStore, type TestEventStore } from "../support/eventstores";

/**
 * Snapshots on the command path, against PostgreSQL: load = snapshot + tail, a snapshot of another
 * state shape is not trusted, and a snapshot is a cache (deleting them all changes no answer).
 */

let es: TestEventStore;
beforeAll(async () => {
  es = await createPostgresTestStore();
});
afterAll(async () => {
  await es?.close();
});

/** The real store, counting the events its stream reads return (what a load costs). */
function counting(log: EventLog) {
  const counter = { events: 0 };
  const wrapped: EventLog = {
    appendToStream: (...args) => log.appendToStream(...args),
    readAll: (...args) => log.readAll(...args),
    headPosition: () => log.headPosition(),
    countAfter: (...args) => log.countAfter(...args),
    readIdempotencyRecord: (key) => log.readIdempotencyRecord(key),
    ping: () => log.ping(),
    async readStream(streamId: string, options?: ReadStreamOptions) {
      const events = await log.readStream(streamId, options);
      counter.events += events.length;
      return events;
    },
  };
  return { log: wrapped, counter };
}

/** An account with `deposits` deposits of 1 cent, appended straight to the log in large batches. */
async function longAccount(accountId: string, deposits: number): Promise<void> {
  const stream = accountStreamId(accountId);
  const opened: EventToAppend = {
    id: randomUUID(),
    type: "AccountOpened",
    data: { accountId, ownerId: "long", currency: "EUR", openedAt: at },
  };
  await es.store.appendToStream(stream, [opened], { expectedRevision: "no_stream" });
  for (let from = 0; from < deposits; from += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, deposits - from) }, (_, i) => ({
      id: randomUUID(),
      type: "MoneyDeposited",
      data: { accountId, amount: 1, currency: "EUR", balanceAfter: from + i + 1, depositedAt: at },
    }));
    await es.store.appendToStream(stream, batch);
  }
}

function runtime(policy: SnapshotPolicy, onIgnored?: (info: { found: number; expected: number }) => void) {
  const { log, counter } = counting(es.store);
  const commands = new CommandRuntime({
    store: log,
    // These tests measure what a load reads; a state kept from the last command would skip it.
    stateCacheSize: 0,
    snapshots: { store: es.store, policyFor: () => policy, ...(onIgnored && { onIgnored }) },
  });
  return { commands, counter };
}

const every100: SnapshotPolicy = {
  everyEvents: 100,
  largerThanBytes: null,
  minEventsBetween: 10,
  sweep: false,
};

describe("snapshots on the command path", () => {
  it("loads an aggregate of 10,000 events from its snapshot and reads only the tail after it", async () => {
    await longAccount("long-1", 10_000);
    const stream = accountStreamId("long-1");
    const { commands, counter } = runtime(every100);

    // No snapshot yet: the whole stream is read, and the policy takes one after the command.
    const first = await commands.execute(accountAggregate, "long-1", deposit("long-1", 5), context());
    expect(first.revision).toBe(10_001);
    expect(counter.events).toBe(10_001);
    expect(await es.store.readSnapshot(stream)).toMatchObject({ revision: 10_001, stateVersion: 1 });

    // Now a command reads only what came after the snapshot.
    counter.events = 0;
    const second = await commands.execute(accountAggregate, "long-1", deposit("long-1", 7), context());
    expect(second.revision).toBe(10_002);
    expect(counter.events).toBe(0);
    counter.events = 0;
    await commands.execute(accountAggregate, "long-1", deposit("long-1", 1), context());
    expect(counter.events).toBe(1);
    // The state from snapshot + tail is the state: a withdrawal of one cent more than the balance is refused with it.
    const refusal = await commands
      .execute(
        accountAggregate,
        "long-1",
        {
          type: "WithdrawMoney",
          accountId: "long-1",
          withdrawalId: "w",
          amount: 10_014,
          currency: "EUR",
          at,
        },
        context(),
      )
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InsufficientFunds);
    expect(refusal).toMatchObject({ balance: 10_013 });
  }, 60_000);

  it("ignores, reports and replaces a snapshot of an older state shape", async () => {
    await longAccount("long-2", 300);
    const stream = accountStreamId("long-2");
    await es.store.writeSnapshot({
      streamId: stream,
      revision: 300,
      stateVersion: 0,
      state: { status: "bogus" },
    });
    const ignored: { found: number; expected: number }[] = [];
    const { commands, counter } = runtime(every100, (info) => ignored.push(info));
    const result = await commands.execute(accountAggregate, "long-2", deposit("long-2", 1), context());
    expect(result.revision).toBe(301);
    expect(counter.events).toBe(301);
    expect(ignored).toEqual([expect.objectContaining({ found: 0, expected: 1 })]);
    expect(await es.store.readSnapshot(stream)).toMatchObject({ revision: 301, stateVersion: 1 });
  });

  it("is a cache: with every snapshot deleted, every command answers the same", async () => {
    await longAccount("long-3", 250);
    const { commands } = runtime(every100);
    const answers = async () => {
      const refused = await commands
        .execute(
          accountAggregate,
          "long-3",
          {
            type: "WithdrawMoney",
            accountId: "long-3",
            withdrawalId: randomUUID(),
            amount: 1_000_000,
            currency: "EUR",
            at,
          },
          context(),
        )
        .catch((error: unknown) => error);
      const state = await commands.execute(accountAggregate, "long-3", deposit("long-3", 0 + 1), context());
      return { refused: { ...(refused as InsufficientFunds) }, revisionAfter: state.revision };
    };
    const withSnapshot = await answers();
    expect(await es.store.readSnapshot(accountStreamId("long-3"))).not.toBeNull();
    expect(await es.store.deleteSnapshots()).toBeGreaterThan(0);
    const without = await answers();
    expect(without.refused).toEqual({ ...withSnapshot.refused, balance: withSnapshot.refused.balance + 1 });
    expect(without.revisionAfter).toBe(withSnapshot.revisionAfter + 1);
  });

  it("snapshots by size: a state grown past the threshold, not a small one", async () => {
    const policy: SnapshotPolicy = {
      everyEvents: null,
      largerThanBytes: 1_000,
      minEventsBetween: 10,
      sweep: false,
    };
    const { commands } = runtime(policy);
    for (const id of ["small-1", "big-1"]) {
      await commands.execute(
        accountAggregate,
        id,
        { type: "OpenAccount", accountId: id, ownerId: "o", currency: "EUR", at },
        context(),
      );
      await commands.execute(accountAggregate, id, deposit(id, 1_000_000), context());
    }
    // The big one records many withdrawals (its state keeps each); the small one a few deposits.
    for (let i = 0; i < 40; i++) {
      await commands.execute(
        accountAggregate,
        "big-1",
        {
          type: "WithdrawMoney",
          accountId: "big-1",
          withdrawalId: `withdrawal-${i}`,
          amount: 1,
          currency: "EUR",
          at,
        },
        context(),
      );
      await commands.execute(accountAggregate, "small-1", deposit("small-1", 1), context());
    }
    expect(await es.store.readSnapshot(accountStreamId("big-1"))).not.toBeNull();
    expect(await es.store.readSnapshot(accountStreamId("small-1"))).toBeNull();
  });
});
