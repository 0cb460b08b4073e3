import { Type } from "@sinclair/typebox";
import { eventData, field, type CurrentData, type EventVersions } from "../shared/contracts";
import type { DomainEvent } from "../shared/decider";

// Money events carry the balance they leave behind: the decider knows it, and read models
// (audit trail, balance history) can then be written without reading what they wrote before.
//
// Each event's data is a schema (the published contract, schema/events/banking/); the types below
// are derived from it. See shared/contracts.ts for what may change within a version.

const accountId = field.id("The account (its stream is account-<accountId>).");
const withdrawalId = field.id("The withdrawal, as the client named it when withdrawing.");
const currency = field.currency("The account's currency (ISO 4217).");
const balanceAfter = field.money("The account's balance after this movement.");
// Optional, added within version 1: movements that are no part of a transfer (and every event
// written before transfers existed) simply have no such field.
const transferId = Type.Optional(field.id("The transfer this movement belongs to, when it is one."));

export const AccountOpenedV1 = eventData("An account was opened, with a zero balance.", {
  accountId,
  ownerId: field.id("The customer who owns the account."),
  currency,
  openedAt: field.instant("When the account was opened."),
});

export const MoneyDepositedV1 = eventData("Money was paid into an account.", {
  accountId,
  amount: field.money("The amount deposited.", { positive: true }),
  currency,
  balanceAfter,
  depositedAt: field.instant("When the deposit was accepted."),
  transferId,
});

export const MoneyWithdrawnV1 = eventData(
  "Money was taken out of an account; the balance never goes below zero.",
  {
    accountId,
    withdrawalId,
    amount: field.money("The amount withdrawn.", { positive: true }),
    currency,
    balanceAfter,
    withdrawnAt: field.instant("When the withdrawal was accepted."),
    transferId,
  },
);

export const WithdrawalReversedV1 = eventData(
  "A withdrawal was undone by a compensating movement: the money comes back, the withdrawal stays in history. At most once per withdrawal.",
  {
    accountId,
    withdrawalId,
    amount: field.money("The amount given back: the withdrawal's amount.", { positive: true }),
    currency,
    balanceAfter,
    reason: field.text("Why the withdrawal was reversed."),
    reversedAt: field.instant("When the reversal was accepted."),
    transferId,
  },
);

export const AccountClosedV1 = eventData("An account was closed (only possible at a zero balance).", {
  accountId,
  closedAt: field.instant("When the account was closed."),
});

/** Every published version of every account event, oldest first (upcasters.ts lifts older ones). */
export const accountEventVersions = {
  AccountOpened: [AccountOpenedV1],
  MoneyDeposited: [MoneyDepositedV1],
  MoneyWithdrawn: [MoneyWithdrawnV1],
  WithdrawalReversed: [WithdrawalReversedV1],
  AccountClosed: [AccountClosedV1],
} as const satisfies EventVersions;

type Versions = typeof accountEventVersions;

export type AccountOpened = DomainEvent<"AccountOpened", CurrentData<Versions, "AccountOpened">>;
export type MoneyDeposited = DomainEvent<"MoneyDeposited", CurrentData<Versions, "MoneyDeposited">>;
export type MoneyWithdrawn = DomainEvent<"MoneyWithdrawn", CurrentData<Versions, "MoneyWithdrawn">>;
/** Compensates a withdrawal: the money comes back, the withdrawal stays in history. */
export type WithdrawalReversed = DomainEvent<
  "WithdrawalReversed",
  CurrentData<Versions, "WithdrawalReversed">
>;
export type AccountClosed = DomainEvent<"AccountClosed", CurrentData<Versions, "AccountClosed">>;

export type AccountEvent =
  AccountOpened | MoneyDeposited | MoneyWithdrawn | WithdrawalReversed | AccountClosed;

export const accountEventTypes: readonly AccountEvent["type"][] = [
  "AccountOpened",
  "MoneyDeposited",
  "MoneyWithdrawn",
  "WithdrawalReversed",
  "AccountClosed",
];
