import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { foldStored } from "../../commands/aggregate";
import { aggregates } from "../../commands/aggregates/index";
import { CommandRuntime } from "../../commands/runtime";
import { accountStreamId } from "../../domain/banking/state";
import { transferStreamId } from "../../domain/transfers/state";
import type { EventStore } from "../../eventstore/port";
import { createPostgresTestStore, testDatabaseUrl, type TestEventStore } from "../support/eventstores";
import { ServiceProcess } from "../support/projector-process";
import { deleteKeys, testRedisUrl } from "../support/redis";
import { seeded } from "../support/load";

/**
 * Worker processes (ROLE=worker, separate OS processes) SIGKILLed again and again while they run
 * money transfers: every transfer still completes, each debit and credit happens once, and at
 * least one worker died between a transfer's debit and its credit (seen in the log: the credit
 * came a lock's length after the debit, when the next worker took the job over).
 */

const TRANSFERS = 60;
const AMOUNT = 1_000;
const LOCK_MS = 1_000;
const MAX_KILLS = 25;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = () => new Date().toISOString();

async function statuses(store: EventStore, ids: readonly string[]): Promise<string[]> {
  return Promise.all(
    ids.map(
      async (id) => foldStored(aggregates.TRANSFER, await store.readStream(transferStreamId(id))).status,
    ),
  );
}

/** Milliseconds between each transfer's debit and credit, as the store recorded them. */
async function debitToCredit(store: EventStore, ids: readonly string[]): Promise<number[]> {
  const payee = await store.readStream(accountStreamId("payee"));
  const payer = await store.readStream(accountStreamId("payer"));
  return ids.map((id) => {
    const debit = payer.find((e) => e.type === "MoneyWithdrawn" && e.data.transferId === id);
    const credit = payee.find((e) => e.type === "MoneyDeposited" && e.data.transferId === id);
    return debit && credit ? credit.recordedAt.getTime() - debit.recordedAt.getTime() : -1;
  });
}

describe("a worker killed while it moves money", () => {
  it("completes every transfer once, also those whose worker died between debit and credit", async () => {
    const es: TestEventStore = await createPostgresTestStore();
    cleanups.push(() => es.close());
    const prefix = `chaos:${randomBytes(4).toString("hex")}:`;
    cleanups.push(() => deleteKeys(prefix));
    const commands = new CommandRuntime({ store: es.store });
    const { ACCOUNT, TRANSFER } = aggregates;
    for (const accountId of ["payer", "payee"]) {
      await commands.execute(
        ACCOUNT,
        accountId,
        { type: "OpenAccount", accountId, ownerId: "o", currency: "USD", at: at() },
        { now: new Date() },
      );
    }
    await commands.execute(
      ACCOUNT,
      "payer",
      { type: "DepositMoney", accountId: "payer", amount: TRANSFERS * AMOUNT, currency: "USD", at: at() },
      { now: new Date() },
    );

    let generation = 0;
    const worker = () =>
      new ServiceProcess({
        ROLE: "worker",
        EVENT_STORE_URL: testDatabaseUrl,
        EVENT_STORE_SCHEMA: es.schema,
        REDIS_URL: testRedisUrl,
        REDIS_AUTOSTART: "false",
        REDIS_PREFIX: prefix,
        JOB_LOCK_MS: String(LOCK_MS),
        PROCESS_CONCURRENCY: "4",
        SNAPSHOT_SWEEP_EVERY_MS: "0",
        CONSUMER_NAME: `worker-${++generation}`,
      });
    let running = worker();
    running.start();
    cleanups.push(async () => void (await running.kill()));

    // Transfers keep arriving while workers die, so a kill finds reactions in every step.
    const ids = Array.from({ length: TRANSFERS }, (_, i) => `t-${String(i).padStart(3, "0")}`);
    const requests = (async () => {
      for (const transferId of ids) {
        await commands.execute(
          TRANSFER,
          transferId,
          {
            type: "RequestTransfer",
            transferId,
            fromAccountId: "payer",
            toAccountId: "payee",
            amount: AMOUNT,
            currency: "USD",
            at: at(),
          },
          { now: new Date() },
        );
        await pause(40);
      }
    })();

    const random = seeded(3);
    let kills = 0;
    let diedBetween = false;
    while (kills < MAX_KILLS) {
      // A worker takes a second or two to start; kill it a little after it got going.
      await pause(1_500 + random() * 1_500);
      await running.kill();
      kills++;
      running = worker();
      running.start();
      const gaps = await debitToCredit(es.store, ids);
      diedBetween = gaps.some((gap) => gap >= LOCK_MS * 0.8);
      const done = (await statuses(es.store, ids)).every((s) => s === "completed");
      if (kills >= 5 && diedBetween && done) break;
      if (kills >= 5 && done) {
        // Every transfer went through before a kill landed between a debit and a credit: more.
        ids.push(...Array.from({ length: 20 }, (_, i) => `t-more-${kills}-${i}`));
        await commands.execute(
          ACCOUNT,
          "payer",
          { type: "DepositMoney", accountId: "payer", amount: 20 * AMOUNT, currency: "USD", at: at() },
          { now: new Date() },
        );
        for (const transferId of ids.slice(-20)) {
          await commands.execute(
            TRANSFER,
            transferId,
            {
              type: "RequestTransfer",
              transferId,
              fromAccountId: "payer",
              toAccountId: "payee",
              amount: AMOUNT,
              currency: "USD",
              at: at(),
            },
            { now: new Date() },
          );
        }
      }
    }
    await requests;
    // The last worker lives: every transfer completes.
    const deadline = Date.now() + 60_000;
    while ((await statuses(es.store, ids)).some((s) => s !== "completed")) {
      if (Date.now() > deadline)
        throw new Error(`not every transfer completed: ${(await statuses(es.store, ids)).join(",")}`);
      await pause(250);
    }
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(diedBetween || (await debitToCredit(es.store, ids)).some((gap) => gap >= LOCK_MS * 0.8)).toBe(
      true,
    );

    // Money moved exactly once per transfer.
    const payer = foldStored(ACCOUNT, await es.store.readStream(accountStreamId("payer")));
    const payee = foldStored(ACCOUNT, await es.store.readStream(accountStreamId("payee")));
    const funded = ids.length * AMOUNT;
    expect(payer).toMatchObject({ status: "open", balance: 0 });
    expect(payee).toMatchObject({ status: "open", balance: funded });
    const credits = (await es.store.readStream(accountStreamId("payee"))).filter(
      (e) => e.type === "MoneyDeposited",
    );
    expect(new Set(credits.map((e) => e.data.transferId)).size).toBe(ids.length);
    expect(credits).toHaveLength(ids.length);
  }, 300_000);
});
