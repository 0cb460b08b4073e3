import type { EventExamples } from "../shared/contracts";
import type { transferEventVersions } from "./events";

/**
 * Examples of every published version of every transfer event: the contract fixtures. Each is
 * checked against its schema, upcast to today's version and run through every view that takes it
 * (test/contracts/), and published with its schema (`examples`) and in the event catalogue.
 *
 * Three transfers from Alice's main account: one that went through (t-rent-april), one her balance
 * could not cover (t-holiday), and one the closed destination refused (t-old-savings).
 */
export const transferEventExamples: EventExamples<typeof transferEventVersions> = {
  TransferRequested: [
    [
      {
        transferId: "t-rent-april",
        fromAccountId: "alice-main",
        toAccountId: "bob-main",
        amount: 120_000,
        currency: "USD",
        requestedAt: "2026-04-01T08:00:00.000Z",
      },
    ],
  ],
  TransferDebited: [
    [
      {
        transferId: "t-rent-april",
        fromAccountId: "alice-main",
        amount: 120_000,
        currency: "USD",
        debitedAt: "2026-04-01T08:00:00.150Z",
      },
    ],
  ],
  TransferFailed: [
    [
      {
        transferId: "t-holiday",
        fromAccountId: "alice-main",
        toAccountId: "alice-savings",
        reason: "insufficient_funds",
        detail: "Account alice-main holds less than the amount requested",
        failedAt: "2026-04-02T09:00:00.120Z",
      },
    ],
  ],
  TransferCompleted: [
    [
      {
        transferId: "t-rent-april",
        fromAccountId: "alice-main",
        toAccountId: "bob-main",
        amount: 120_000,
        currency: "USD",
        completedAt: "2026-04-01T08:00:00.300Z",
      },
    ],
  ],
  TransferCompensated: [
    [
      {
        transferId: "t-old-savings",
        fromAccountId: "alice-main",
        toAccountId: "alice-old-savings",
        amount: 5_000,
        currency: "USD",
        reason: "destination_account_closed",
        detail: "Account alice-old-savings is closed",
        compensatedAt: "2026-04-03T10:00:00.400Z",
      },
    ],
  ],
};
