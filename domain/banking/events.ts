import type { DomainEvent } from "../shared/decider";
import type { MinorUnits } from "../shared/money";

export type AccountOpened = DomainEvent<
  "AccountOpened",
  { accountId: string; ownerId: string; currency: string; openedAt: string }
>;
export type MoneyDeposited = DomainEvent<
  "MoneyDeposited",
  { accountId: string; amount: MinorUnits; currency: string; depositedAt: string }
>;
export type MoneyWithdrawn = DomainEvent<
  "MoneyWithdrawn",
  { accountId: string; withdrawalId: string; amount: MinorUnits; currency: string; withdrawnAt: string }
>;
/** Compensates a withdrawal: the money comes back, the withdrawal stays in history. */
export type WithdrawalReversed = DomainEvent<
  "WithdrawalReversed",
  {
    accountId: string;
    withdrawalId: string;
    amount: MinorUnits;
    currency: string;
    reason: string;
    reversedAt: string;
  }
>;
export type AccountClosed = DomainEvent<"AccountClosed", { accountId: string; closedAt: string }>;

export type AccountEvent =
  AccountOpened | MoneyDeposited | MoneyWithdrawn | WithdrawalReversed | AccountClosed;

export const accountEventTypes: readonly AccountEvent["type"][] = [
  "AccountOpened",
  "MoneyDeposited",
  "MoneyWithdrawn",
  "WithdrawalReversed",
  "AccountClosed",
];
