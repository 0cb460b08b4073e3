import type { DomainEvent } from "../shared/decider";
import type { MinorUnits } from "../shared/money";

// Money events carry the balance they leave behind: the decider knows it, and read models
// (audit trail, balance history) can then be written without reading what they wrote before.

export type AccountOpened = DomainEvent<
  "AccountOpened",
  { accountId: string; ownerId: string; currency: string; openedAt: string }
>;
export type MoneyDeposited = DomainEvent<
  "MoneyDeposited",
  { accountId: string; amount: MinorUnits; currency: string; balanceAfter: MinorUnits; depositedAt: string }
>;
export type MoneyWithdrawn = DomainEvent<
  "MoneyWithdrawn",
  {
    accountId: string;
    withdrawalId: string;
    amount: MinorUnits;
    currency: string;
    balanceAfter: MinorUnits;
    withdrawnAt: string;
  }
>;
/** Compensates a withdrawal: the money comes back, the withdrawal stays in history. */
export type WithdrawalReversed = DomainEvent<
  "WithdrawalReversed",
  {
    accountId: string;
    withdrawalId: string;
    amount: MinorUnits;
    currency: string;
    balanceAfter: MinorUnits;
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
