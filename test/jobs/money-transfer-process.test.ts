import { describe, expect, it } from "vitest";
import { foldStored } from "../../commands/aggregate";
import { aggregates } from "../../commands/aggregates/index";
import { CommandRuntime } from "../../commands/runtime";
import { accountStreamId } from "../../domain/banking/state";
import { transferStreamId } from "../../domain/transfers/state";
import type { EventStore } from "../../eventstore/port";
import { moneyTransferProcess } from "../../jobs/processes/money-transfer";
import { asCause, reactDyingAfter } from "../support/dying-steps";
import { storeAndRedis } from "../support/store-and-redis";

/**
 * The money-transfer process manager, run as a worker runs it against a real PostgreSQL store, the
 * worker dying after each possible step (between the debit and the credit among them): run again,
 * every transfer ends completed or compensated, and money moved exactly once.
 */

const { ACCOUNT, TRANSFER } = aggregates;
const at = "2026-11-01T10:00:00.000Z";
const s = storeAndRedis();
const now = () => ({ now: new Date() });

async function openAccount(commands: CommandRuntime, accountId: string, funds = 0) {
  await commands.execute(
    ACCOUNT,
    accountId,
    { type: "OpenAccount", accountId, ownerId: "o", currency: "USD", at },
    now(),
  );
  if (funds > 0) {
    await commands.execute(
      ACCOUNT,
      accountId,
      { type: "DepositMoney", accountId, amount: funds, currency: "USD", at },
      now(),
    );
  }
}

async function requested(
  store: EventStore,
  commands: CommandRuntime,
  transferId: string,
  from: string,
  to: string,
) {
  await commands.execute(
    TRANSFER,
    transferId,
    {
      type: "RequestTransfer",
      transferId,
      fromAccountId: from,
      toAccountId: to,
      amount: 1_000,
      currency: "USD",
      at,
    },
    { now: new Date(), correlationId: `request-${transferId}` },
  );
  const [event] = await store.readStream(transferStreamId(transferId), { maxCount: 1 });
  return asCause(event!);
}

async function balanceOf(store: EventStore, accountId: string): Promise<number> {
  const state = foldStored(ACCOUNT, await store.readStream(accountStreamId(accountId)));
  return state.status === "open" ? state.balance : Number.NaN;
}

async function statusOf(store: EventStore, transferId: string): Promise<string> {
  return foldStored(TRANSFER, await store.readStream(transferStreamId(transferId))).status;
}

describe("the money-transfer process, with its worker dying after each step", () => {
  it("completes every transfer, each debit and credit once, wherever the worker died", async () => {
    const commands = new CommandRuntime({ store: s.store });
    await openAccount(commands, "payer", 100_000);
    await openAccount(commands, "payee");
    // Steps: debit, debited, credit, completed.
    for (let lives = 0; lives <= 4; lives++) {
      const cause = await requested(s.store, commands, `ok-${lives}`, "payer", "payee");
      const { outcome } = await reactDyingAfter(commands, moneyTransferProcess, cause, lives);
      if (lives < 4) expect(outcome).toContain("worker died");
      expect(await statusOf(s.store, `ok-${lives}`)).toBe("completed");
    }
    expect(await balanceOf(s.store, "payer")).toBe(100_000 - 5 * 1_000);
    expect(await balanceOf(s.store, "payee")).toBe(5 * 1_000);
    // Each movement names its transfer and was caused by the transfer's request.
    const payee = await s.store.readStream(accountStreamId("payee"));
    const credits = payee.filter((e) => e.type === "MoneyDeposited");
    expect(credits).toHaveLength(5);
    for (const credit of credits) {
      const [request] = await s.store.readStream(transferStreamId(credit.data.transferId as string), {
        maxCount: 1,
      });
      expect(credit.metadata).toMatchObject({
        causationId: request!.id,
        correlationId: `request-${credit.data.transferId as string}`,
      });
    }
  });

  it("compensates a transfer to a closed account once, wherever the worker died", async () => {
    const commands = new CommandRuntime({ store: s.store });
    await openAccount(commands, "sender", 50_000);
    await openAccount(commands, "shut");
    await commands.execute(ACCOUNT, "shut", { type: "CloseAccount", accountId: "shut", at }, now());
    // Steps: debit, debited, credit (refused), reverse, compensate.
    for (let lives = 0; lives <= 5; lives++) {
      const cause = await requested(s.store, commands, `shut-${lives}`, "sender", "shut");
      await reactDyingAfter(commands, moneyTransferProcess, cause, lives);
      expect(await statusOf(s.store, `shut-${lives}`)).toBe("compensated");
    }
    expect(await balanceOf(s.store, "sender")).toBe(50_000);
    const sender = await s.store.readStream(accountStreamId("sender"));
    expect(sender.filter((e) => e.type === "MoneyWithdrawn")).toHaveLength(6);
    expect(sender.filter((e) => e.type === "WithdrawalReversed")).toHaveLength(6);
  });

  it("never credits after the debit was given back, even if the destination exists by the rerun", async () => {
    const commands = new CommandRuntime({ store: s.store });
    await openAccount(commands, "early", 20_000);
    const cause = await requested(s.store, commands, "late-account", "early", "not-yet");
    // The worker dies after the reversal (debit, debited, credit refused, reverse); the
    // destination is opened before the next worker takes the job.
    await reactDyingAfter(commands, moneyTransferProcess, cause, 4, () => openAccount(commands, "not-yet"));
    expect(await statusOf(s.store, "late-account")).toBe("compensated");
    expect(await balanceOf(s.store, "early")).toBe(20_000);
    expect(await balanceOf(s.store, "not-yet")).toBe(0);
  });

  it("never debits after the failure was recorded, even if the source has the money by the rerun", async () => {
    const commands = new CommandRuntime({ store: s.store });
    await openAccount(commands, "poor", 500);
    await openAccount(commands, "rich");
    const cause = await requested(s.store, commands, "too-much", "poor", "rich");
    // Steps: debit (refused), fail; the worker dies after them; the source is funded meanwhile.
    await reactDyingAfter(commands, moneyTransferProcess, cause, 2, async () => {
      await commands.execute(
        ACCOUNT,
        "poor",
        { type: "DepositMoney", accountId: "poor", amount: 10_000, currency: "USD", at },
        now(),
      );
    });
    expect(await statusOf(s.store, "too-much")).toBe("failed");
    expect(await balanceOf(s.store, "poor")).toBe(10_500);
    expect(await balanceOf(s.store, "rich")).toBe(0);
  });
});
