import { randomUUID } from "node:crypto";
import type { AccountCommand } from "../../domain/banking/commands";

/** The instant the command-runtime tests decide at (commands carry it; the runtime never reads a clock). */
export const at = "2026-04-01T09:00:00.000Z";

/** A command context at `at`, with a correlation id of its own. */
export const context = () => ({ now: new Date(at), correlationId: randomUUID() });

/** A deposit of `amount` minor units of EUR to `accountId`. */
export const deposit = (accountId: string, amount: number): AccountCommand => ({
  type: "DepositMoney",
  accountId,
  amount,
  currency: "EUR",
  at,
});
