import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { foldStored } from "../../commands/aggregate";
import { aggregates } from "../../commands/aggregates/index";
import { CommandRuntime } from "../../commands/runtime";
import { accountStreamId } from "../../domain/banking/state";
import { transferStreamId } from "../../domain/transfers/state";
import type { EventStore } from "../../eventstore/port";
import { createPostgresTestStore, testDatabaseUrl, type TestEventStore } from "../support/eventstores";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { deleteKeys, testRedisUrl } from "../../gameday/lib/redis-keys";
import { eventually } from "../support/service";

/**
 * A worker process (ROLE=worker, its own OS process) SIGKILLed between the debit and the credit of
 * the transfers it runs: the first worker pauses after each step (PROCESS_STEP_PAUSE_MS, the fault
 * drill setting), and is killed once every transfer is debited and none credited; another worker
 * takes the jobs over when their locks lapse. Every transfer completes, each debit and each credit
 * once. (A database lock would hold the credits up too, but an open transaction holds back what
 * every test's log readers see: the store's order is gap-free across the whole database.)
 */

const TRANSFERS = 4;
const AMOUNT = 1_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const at = () => new Date().toISOString();

async function transferStatus(store: EventStore, id: string): Promise<string> {
  return foldStored(aggregates.TRANSFER, await store.readStream(transferStreamId(id))).status;
}

describe("a worker killed while it moves money", () => {
  it("completes every transfer whose worker died between debit and credit, each debit and credit once", async () => {
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
    const worker = (pauseMs: number) =>
      new ServiceProcess({
        PROCESS_STEP_PAUSE_MS: String(pauseMs),
        ROLE: "worker",
        EVENT_STORE_URL: testDatabaseUrl,
        EVENT_STORE_SCHEMA: es.schema,
        REDIS_URL: testRedisUrl,
        REDIS_AUTOSTART: "false",
        REDIS_PREFIX: prefix,
        JOB_LOCK_MS: "1000",
        PROCESS_CONCURRENCY: String(TRANSFERS),
        SNAPSHOT_SWEEP_EVERY_MS: "0",
        CONSUMER_NAME: `worker-${++generation}`,
      });

    const ids = Array.from({ length: TRANSFERS }, (_, i) => `t-${i}`);
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
        { now: new Date(), correlationId: `request-${transferId}` },
      );
    }
    const first = worker(30_000);
    first.start();
    cleanups.push(async () => void (await first.kill()));
    // Every transfer debited, none credited: each reaction pauses between the two.
    await eventually(async () => {
      const payer = await es.store.readStream(accountStreamId("payer"));
      const debited = payer.filter((e) => e.type === "MoneyWithdrawn").map((e) => e.data.transferId);
      expect(debited.sort()).toEqual(ids);
    }, 60_000);
    expect(
      (await es.store.readStream(accountStreamId("payee"))).some((e) => e.type === "MoneyDeposited"),
    ).toBe(false);
    await first.kill();

    const second = worker(0);
    second.start();
    cleanups.push(async () => void (await second.kill()));
    await eventually(async () => {
      for (const id of ids) expect(await transferStatus(es.store, id)).toBe("completed");
    }, 60_000);

    const payer = await es.store.readStream(accountStreamId("payer"));
    const payee = await es.store.readStream(accountStreamId("payee"));
    expect(foldStored(ACCOUNT, payer)).toMatchObject({ status: "open", balance: 0 });
    expect(foldStored(ACCOUNT, payee)).toMatchObject({ status: "open", balance: TRANSFERS * AMOUNT });
    const debits = payer.filter((e) => e.type === "MoneyWithdrawn");
    const credits = payee.filter((e) => e.type === "MoneyDeposited");
    expect(debits.map((e) => e.data.transferId).sort()).toEqual(ids);
    expect(credits.map((e) => e.data.transferId).sort()).toEqual(ids);
    // The chain survives the takeover: the credit is caused by the same request event as the debit.
    for (const id of ids) {
      const debit = debits.find((e) => e.data.transferId === id)!;
      const credit = credits.find((e) => e.data.transferId === id)!;
      expect(credit.metadata.causationId).toBe(debit.metadata.causationId);
      expect(credit.metadata.correlationId).toBe(`request-${id}`);
    }
  }, 180_000);
});
