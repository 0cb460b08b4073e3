import type { Static } from "@sinclair/typebox";
import { eventData, field, type CurrentData, type EventVersions } from "../shared/contracts";
import type { DomainEvent } from "../shared/decider";

// A transfer moves money from one account to another in steps, each on one account: the debit of
// the source, then the credit of the destination (or, when the destination refuses it, the reversal
// of the debit). The transfer's own stream records every step, so whoever follows a transfer sees it
// pending, completed, failed or compensated, with when and why, without reading the accounts.
//
// Every event repeats what a reader needs of the transfer (accounts, amount, currency), so a view
// can be written from any one event without remembering the ones before.
//
// Each event's data is a schema (the published contract, schema/events/transfers/); the types below
// are derived from it. See shared/contracts.ts for what may change within a version.

const transferId = field.id("The transfer (its stream is transfer-<transferId>).");
const fromAccountId = field.id("The account the money is taken from.");
const toAccountId = field.id("The account the money is paid into.");
const amount = field.money("The amount transferred.", { positive: true });
const currency = field.currency("The currency of the amount, and of both accounts (ISO 4217).");
const detail = field.text("What happened, for people.");

export const TransferFailureReasonSchema = field.oneOf(
  ["insufficient_funds", "source_account_not_found", "source_account_closed", "currency_mismatch"],
  "Why the source account refused to pay the amount out.",
);
export const TransferCompensationReasonSchema = field.oneOf(
  ["destination_account_not_found", "destination_account_closed", "currency_mismatch"],
  "Why the destination account refused the amount.",
);

export type TransferFailureReason = Static<typeof TransferFailureReasonSchema>;
export type TransferCompensationReason = Static<typeof TransferCompensationReasonSchema>;

export const TransferRequestedV1 = eventData(
  "A transfer between two accounts of the same currency was asked for; no money has moved yet.",
  {
    transferId,
    fromAccountId,
    toAccountId,
    amount,
    currency,
    requestedAt: field.instant("When the transfer was asked for."),
  },
);

export const TransferDebitedV1 = eventData(
  "The source account paid the transfer's amount out (a withdrawal named by the transfer's id); the credit is pending.",
  {
    transferId,
    fromAccountId,
    amount,
    currency,
    debitedAt: field.instant("When the source account paid the amount out."),
  },
);

export const TransferFailedV1 = eventData(
  "The source account refused to pay the amount out, so the transfer ended with no money moved.",
  {
    transferId,
    fromAccountId,
    toAccountId,
    reason: TransferFailureReasonSchema,
    detail,
    failedAt: field.instant("When the transfer failed."),
  },
);

export const TransferCompletedV1 = eventData(
  "The destination account took the amount in: the money has moved, and the transfer is done.",
  {
    transferId,
    fromAccountId,
    toAccountId,
    amount,
    currency,
    completedAt: field.instant("When the destination account took the amount in."),
  },
);

export const TransferCompensatedV1 = eventData(
  "The destination account refused the amount and the debit was reversed: the money is back on the source account, and the transfer is over.",
  {
    transferId,
    fromAccountId,
    toAccountId,
    amount,
    currency,
    reason: TransferCompensationReasonSchema,
    detail,
    compensatedAt: field.instant("When the debit had been reversed."),
  },
);

/** Every published version of every transfer event, oldest first (upcasters.ts lifts older ones). */
export const transferEventVersions = {
  TransferRequested: [TransferRequestedV1],
  TransferDebited: [TransferDebitedV1],
  TransferFailed: [TransferFailedV1],
  TransferCompleted: [TransferCompletedV1],
  TransferCompensated: [TransferCompensatedV1],
} as const satisfies EventVersions;

type Versions = typeof transferEventVersions;

export type TransferRequested = DomainEvent<"TransferRequested", CurrentData<Versions, "TransferRequested">>;
export type TransferDebited = DomainEvent<"TransferDebited", CurrentData<Versions, "TransferDebited">>;
/** Final: the debit was refused, nothing moved. */
export type TransferFailed = DomainEvent<"TransferFailed", CurrentData<Versions, "TransferFailed">>;
/** Final: the money has moved. */
export type TransferCompleted = DomainEvent<"TransferCompleted", CurrentData<Versions, "TransferCompleted">>;
/** Final: the credit was refused and the debit reversed; the money is back where it was. */
export type TransferCompensated = DomainEvent<
  "TransferCompensated",
  CurrentData<Versions, "TransferCompensated">
>;

export type TransferEvent =
  TransferRequested | TransferDebited | TransferFailed | TransferCompleted | TransferCompensated;

export const transferEventTypes: readonly TransferEvent["type"][] = [
  "TransferRequested",
  "TransferDebited",
  "TransferFailed",
  "TransferCompleted",
  "TransferCompensated",
];
