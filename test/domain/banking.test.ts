import { describe, expect, it } from "vitest";
import { accountDecider } from "../../domain/banking/decider";
import {
  AccountAlreadyOpen,
  AccountClosedError,
  AccountNotEmpty,
  AccountNotFound,
  CurrencyMismatch,
  InsufficientFunds,
  WithdrawalAlreadyReversed,
  WithdrawalNotFound,
} from "../../domain/banking/errors";
import type { AccountCommand } from "../../domain/banking/commands";
import type { AccountEvent } from "../../domain/banking/events";
import { ValidationError } from "../../domain/shared/errors";
import { deciderSpec } from "../support/decider-spec";

const spec = deciderSpec(accountDecider);
const id = "acc-1";
const at = "2026-01-01T10:00:00.000Z";

const opened: AccountEvent = {
  type: "AccountOpened",
  data: { accountId: id, ownerId: "alice", currency: "USD", openedAt: at },
};
const deposited = (amount: number, balanceAfter = amount): AccountEvent => ({
  type: "MoneyDeposited",
  data: { accountId: id, amount, currency: "USD", balanceAfter, depositedAt: at },
});
const withdrawn = (withdrawalId: string, amount: number, balanceAfter: number): AccountEvent => ({
  type: "MoneyWithdrawn",
  data: { accountId: id, withdrawalId, amount, currency: "USD", balanceAfter, withdrawnAt: at },
});
const reversed = (withdrawalId: string, amount: number, balanceAfter: number): AccountEvent => ({
  type: "WithdrawalReversed",
  data: {
    accountId: id,
    withdrawalId,
    amount,
    currency: "USD",
    balanceAfter,
    reason: "mistake",
    reversedAt: at,
  },
});
const closed: AccountEvent = { type: "AccountClosed", data: { accountId: id, closedAt: at } };

describe("Bank account", () => {
  describe("when not opened", () => {
    it("opens", () =>
      spec
        .given([])
        .when({ type: "OpenAccount", accountId: id, ownerId: "alice", currency: "USD", at })
        .then([opened]));
    it("refuses an unknown currency", () =>
      spec
        .given([])
        .when({ type: "OpenAccount", accountId: id, ownerId: "alice", currency: "XXX", at })
        .thenThrows(ValidationError, { field: "currency" }));
    it("refuses an empty owner", () =>
      spec
        .given([])
        .when({ type: "OpenAccount", accountId: id, ownerId: " ", currency: "USD", at })
        .thenThrows(ValidationError, { field: "ownerId" }));
    it("refuses a deposit", () =>
      spec
        .given([])
        .when({ type: "DepositMoney", accountId: id, amount: 100, currency: "USD", at })
        .thenThrows(AccountNotFound));
  });

  describe("when open", () => {
    it("refuses to open twice", () =>
      spec
        .given([opened])
        .when({ type: "OpenAccount", accountId: id, ownerId: "alice", currency: "USD", at })
        .thenThrows(AccountAlreadyOpen));
    it("takes a deposit", () =>
      spec
        .given([opened])
        .when({ type: "DepositMoney", accountId: id, amount: 1_000_000, currency: "USD", at })
        .then([deposited(1_000_000)]));
    it.each([0, -5, 1.5, Number.NaN])("refuses a deposit of %s minor units", (amount) =>
      spec
        .given([opened])
        .when({ type: "DepositMoney", accountId: id, amount, currency: "USD", at })
        .thenThrows(ValidationError, { field: "amount" }),
    );
    it("refuses a deposit that would overflow the balance", () =>
      spec
        .given([opened, deposited(Number.MAX_SAFE_INTEGER - 1)])
        .when({ type: "DepositMoney", accountId: id, amount: 2, currency: "USD", at })
        .thenThrows(ValidationError));
    it("refuses another currency", () =>
      spec
        .given([opened])
        .when({ type: "DepositMoney", accountId: id, amount: 100, currency: "EUR", at })
        .thenThrows(CurrencyMismatch, { accountCurrency: "USD", given: "EUR" }));
    it("pays out a withdrawal covered by the balance", () =>
      spec
        .given([opened, deposited(1_000_000)])
        .when({
          type: "WithdrawMoney",
          accountId: id,
          withdrawalId: "w1",
          amount: 500_000,
          currency: "USD",
          at,
        })
        .then([withdrawn("w1", 500_000, 500_000)]));
    it("pays out the whole balance", () =>
      spec
        .given([opened, deposited(100)])
        .when({ type: "WithdrawMoney", accountId: id, withdrawalId: "w1", amount: 100, currency: "USD", at })
        .then([withdrawn("w1", 100, 0)]));
    it("refuses an overdraft", () =>
      spec
        .given([opened, deposited(100)])
        .when({ type: "WithdrawMoney", accountId: id, withdrawalId: "w1", amount: 101, currency: "USD", at })
        .thenThrows(InsufficientFunds, { balance: 100, requested: 101 }));
    it("refuses a withdrawal id used before", () =>
      spec
        .given([opened, deposited(500), withdrawn("w1", 100, 400)])
        .when({ type: "WithdrawMoney", accountId: id, withdrawalId: "w1", amount: 100, currency: "USD", at })
        .thenThrows(ValidationError, { field: "withdrawalId" }));
    it("reverses a withdrawal with a compensating event naming it", () =>
      spec
        .given([opened, deposited(500), withdrawn("w1", 200, 300)])
        .when({ type: "ReverseWithdrawal", accountId: id, withdrawalId: "w1", reason: "mistake", at })
        .then([reversed("w1", 200, 500)]));
    it("reverses a withdrawal only once", () =>
      spec
        .given([opened, deposited(500), withdrawn("w1", 200, 300), reversed("w1", 200, 500)])
        .when({ type: "ReverseWithdrawal", accountId: id, withdrawalId: "w1", reason: "again", at })
        .thenThrows(WithdrawalAlreadyReversed));
    it("refuses to reverse an unknown withdrawal", () =>
      spec
        .given([opened, deposited(500)])
        .when({ type: "ReverseWithdrawal", accountId: id, withdrawalId: "nope", reason: "x", at })
        .thenThrows(WithdrawalNotFound));
    it("refuses a reversal without a reason", () =>
      spec
        .given([opened, deposited(500), withdrawn("w1", 200, 300)])
        .when({ type: "ReverseWithdrawal", accountId: id, withdrawalId: "w1", reason: "", at })
        .thenThrows(ValidationError, { field: "reason" }));
    it("counts a reversal back into the balance", () =>
      spec
        .given([opened, deposited(500), withdrawn("w1", 200, 300), reversed("w1", 200, 500)])
        .thenState({ status: "open", balance: 500 }));
    it("closes at a zero balance", () =>
      spec
        .given([opened, deposited(100), withdrawn("w1", 100, 0)])
        .when({ type: "CloseAccount", accountId: id, at })
        .then([closed]));
    it("refuses to close with money in it", () =>
      spec
        .given([opened, deposited(100)])
        .when({ type: "CloseAccount", accountId: id, at })
        .thenThrows(AccountNotEmpty, { balance: 100 }));
  });

  describe("when closed", () => {
    const history = [opened, closed];
    it("refuses deposits", () =>
      spec
        .given(history)
        .when({ type: "DepositMoney", accountId: id, amount: 100, currency: "USD", at })
        .thenThrows(AccountClosedError));
    it("refuses withdrawals", () =>
      spec
        .given(history)
        .when({ type: "WithdrawMoney", accountId: id, withdrawalId: "w", amount: 1, currency: "USD", at })
        .thenThrows(AccountClosedError));
    it("refuses to close again", () =>
      spec.given(history).when({ type: "CloseAccount", accountId: id, at }).thenThrows(AccountClosedError));
    it("refuses to reopen", () =>
      spec
        .given(history)
        .when({ type: "OpenAccount", accountId: id, ownerId: "alice", currency: "USD", at })
        .thenThrows(AccountAlreadyOpen));
  });

  describe("movements of a transfer", () => {
    const funded = [opened, deposited(500)];
    const history = [...funded, withdrawn("t-9", 200, 300)];
    const decide = (events: AccountEvent[], command: AccountCommand) =>
      accountDecider.decide(command, events.reduce(accountDecider.evolve, accountDecider.initialState));
    type Movement = Extract<AccountCommand, { type: "DepositMoney" | "WithdrawMoney" | "ReverseWithdrawal" }>;
    const movements: [string, AccountEvent[], Movement][] = [
      ["deposit", funded, { type: "DepositMoney", accountId: id, amount: 100, currency: "USD", at }],
      [
        "withdrawal",
        funded,
        { type: "WithdrawMoney", accountId: id, withdrawalId: "t-9", amount: 200, currency: "USD", at },
      ],
      [
        "reversal",
        history,
        { type: "ReverseWithdrawal", accountId: id, withdrawalId: "t-9", reason: "refused", at },
      ],
    ];

    it.each(movements)("a %s names the transfer it belongs to", (_, given, command) => {
      const [event] = decide(given, { ...command, transferId: "t-9" });
      expect(event?.data).toMatchObject({ accountId: id, transferId: "t-9" });
    });
    it.each(movements)("a %s outside any transfer has no transferId at all", (_, given, command) => {
      const [event] = decide(given, command);
      expect(event).toBeDefined();
      expect(Object.keys(event!.data)).not.toContain("transferId");
    });
    it.each(movements)("a %s refuses an empty transfer id", (_, given, command) =>
      spec
        .given(given)
        .when({ ...command, transferId: " " })
        .thenThrows(ValidationError, { field: "transferId" }),
    );
    it("writes a movement outside any transfer exactly as before transfers existed", () => {
      const [event] = decide(funded, {
        type: "WithdrawMoney",
        accountId: id,
        withdrawalId: "w1",
        amount: 200,
        currency: "USD",
        at,
      });
      expect(JSON.stringify(event)).toBe(JSON.stringify(withdrawn("w1", 200, 300)));
    });
    it("keeps the rest of a movement the same when it names a transfer", () =>
      spec
        .given(history)
        .when({
          type: "ReverseWithdrawal",
          accountId: id,
          withdrawalId: "t-9",
          reason: "mistake",
          transferId: "t-9",
          at,
        })
        .then([
          {
            ...reversed("t-9", 200, 500),
            data: { ...reversed("t-9", 200, 500).data, transferId: "t-9" },
          } as AccountEvent,
        ]));
    it("still refuses an overdraft when the withdrawal is a transfer's debit", () =>
      spec
        .given(funded)
        .when({
          type: "WithdrawMoney",
          accountId: id,
          withdrawalId: "t-9",
          amount: 501,
          currency: "USD",
          transferId: "t-9",
          at,
        })
        .thenThrows(InsufficientFunds, { balance: 500, requested: 501 }));
  });
});
