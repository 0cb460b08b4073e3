import type { EventExamples } from "../shared/contracts";
import type { accountEventVersions } from "./events";

/**
 * Examples of every published version of every account event: the contract fixtures. Each is
 * checked against its schema, upcast to today's version and run through every view that takes it
 * (test/contracts/), and published with its schema (`examples`) and in the event catalogue.
 */
export const accountEventExamples: EventExamples<typeof accountEventVersions> = {
  AccountOpened: [
    [{ accountId: "alice-main", ownerId: "alice", currency: "USD", openedAt: "2026-03-01T09:00:00.000Z" }],
  ],
  MoneyDeposited: [
    [
      {
        accountId: "alice-main",
        amount: 250_000,
        currency: "USD",
        balanceAfter: 250_000,
        depositedAt: "2026-03-01T09:05:00.000Z",
      },
    ],
  ],
  MoneyWithdrawn: [
    [
      {
        accountId: "alice-main",
        withdrawalId: "w-rent-march",
        amount: 120_000,
        currency: "USD",
        balanceAfter: 130_000,
        withdrawnAt: "2026-03-02T08:00:00.000Z",
      },
    ],
  ],
  WithdrawalReversed: [
    [
      {
        accountId: "alice-main",
        withdrawalId: "w-rent-march",
        amount: 120_000,
        currency: "USD",
        balanceAfter: 250_000,
        reason: "Paid twice by mistake",
        reversedAt: "2026-03-02T10:30:00.000Z",
      },
    ],
  ],
  AccountClosed: [[{ accountId: "alice-savings", closedAt: "2026-04-01T12:00:00.000Z" }]],
};
