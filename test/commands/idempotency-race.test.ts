import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountAggregate } from "../../commands/aggregates/account";
import { CommandRuntime } from "../../commands/runtime";
import type { AccountCommand } from "../../domain/banking/commands";
import type { EventLog } from "../../eventstore/port";
import { createPostgresTestStore, type TestEventStore } from "../support/eventstores";

/**
 * Two processes send one request with one idempotency key at the same instant (a process manager's
 * step run by a worker and by another that took its job over): the second looked for the key
 * before the first committed, then found the state the first left, which refuses the command a
 * second time. It must answer what the first answered, not the refusal. Against PostgreSQL.
 */

let es: TestEventStore;
beforeAll(async () => {
  es = await createPostgresTestStore();
});
afterAll(async () => {
  await es?.close();
});

/** The real store, except that the first look for an idempotency key finds nothing yet (the other
 * request has not committed when this one looks). */
function lookingTooEarly(log: EventLog): EventLog {
  let looked = false;
  return {
    appendToStream: (...args) => log.appendToStream(...args),
    readStream: (...args) => log.readStream(...args),
    readAll: (...args) => log.readAll(...args),
    headPosition: () => log.headPosition(),
    countAfter: (...args) => log.countAfter(...args),
    ping: () => log.ping(),
    async readIdempotencyRecord(key) {
      if (!looked) {
        looked = true;
        return null;
      }
      return log.readIdempotencyRecord(key);
    },
  };
}

const at = "2026-11-01T10:00:00.000Z";
const now = () => ({ now: new Date() });

describe("one idempotency key, two processes at once", () => {
  it("answers the first request's answer when the state it left refuses the second", async () => {
    const first = new CommandRuntime({ store: es.store });
    const accountId = "race-1";
    const run = (runtime: CommandRuntime, command: AccountCommand, key?: string) =>
      runtime.execute(accountAggregate, accountId, command, {
        ...now(),
        userId: "process:test",
        ...(key && { idempotency: { key, request: { step: command.type } } }),
      });
    await run(first, { type: "OpenAccount", accountId, ownerId: "o", currency: "USD", at });
    await run(first, { type: "DepositMoney", accountId, amount: 500, currency: "USD", at });
    await run(first, {
      type: "WithdrawMoney",
      accountId,
      withdrawalId: "w-1",
      amount: 200,
      currency: "USD",
      at,
    });
    const reverse: AccountCommand = {
      type: "ReverseWithdrawal",
      accountId,
      withdrawalId: "w-1",
      reason: "r",
      at,
    };
    const answer = await run(first, reverse, "event-1/reverse");

    const second = new CommandRuntime({ store: lookingTooEarly(es.store) });
    const again = await run(second, reverse, "event-1/reverse");
    expect(again).toMatchObject({ replayed: true, eventIds: answer.eventIds, revision: answer.revision });
    // Without the key it is the refusal, as it should be.
    await expect(run(new CommandRuntime({ store: es.store }), reverse)).rejects.toMatchObject({
      code: "WITHDRAWAL_ALREADY_REVERSED",
    });
  });
});
