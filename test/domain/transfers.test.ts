import { describe, expect, it } from "vitest";
import { kindOfStream } from "../../commands/aggregates/index";
import { transferAggregate } from "../../commands/aggregates/transfer";
import { accountDecider } from "../../domain/banking/decider";
import { AccountClosedError } from "../../domain/banking/errors";
import type { AccountEvent } from "../../domain/banking/events";
import { checkEvent, contractOf, eventCatalogue } from "../../domain/event-catalogue";
import { fold } from "../../domain/shared/decider";
import { ValidationError } from "../../domain/shared/errors";
import type { TransferCommand } from "../../domain/transfers/commands";
import { transferDecider, transferWithdrawalId } from "../../domain/transfers/decider";
import {
  InvalidTransferTransition,
  TransferAlreadyExists,
  TransferNotFound,
} from "../../domain/transfers/errors";
import { transferEventTypes, type TransferEvent } from "../../domain/transfers/events";
import { transferStreamId, transferStreamPrefix, type TransferState } from "../../domain/transfers/state";
import { transferEventSchemaVersion } from "../../domain/transfers/upcasters";
import { deciderSpec } from "../support/decider-spec";

const spec = deciderSpec(transferDecider);
const transferId = "t-1";
const from = "alice-main";
const to = "bob-main";
const at = "2026-04-01T08:00:00.000Z";
const later = "2026-04-01T08:00:01.000Z";
const latest = "2026-04-01T08:00:02.000Z";

const request = (overrides: Partial<Extract<TransferCommand, { type: "RequestTransfer" }>> = {}) =>
  ({
    type: "RequestTransfer",
    transferId,
    fromAccountId: from,
    toAccountId: to,
    amount: 12_000,
    currency: "USD",
    at,
    ...overrides,
  }) satisfies TransferCommand;
const recordDebit: TransferCommand = { type: "RecordTransferDebit", transferId, at: later };
const fail: TransferCommand = {
  type: "FailTransfer",
  transferId,
  reason: "insufficient_funds",
  detail: "Account alice-main holds less than the amount requested",
  at: later,
};
const recordCredit: TransferCommand = { type: "RecordTransferCredit", transferId, at: latest };
const compensate: TransferCommand = {
  type: "CompensateTransfer",
  transferId,
  reason: "destination_account_closed",
  detail: "Account bob-main is closed",
  at: latest,
};

const requested: TransferEvent = {
  type: "TransferRequested",
  data: {
    transferId,
    fromAccountId: from,
    toAccountId: to,
    amount: 12_000,
    currency: "USD",
    requestedAt: at,
  },
};
const debited: TransferEvent = {
  type: "TransferDebited",
  data: { transferId, fromAccountId: from, amount: 12_000, currency: "USD", debitedAt: later },
};
const failed: TransferEvent = {
  type: "TransferFailed",
  data: {
    transferId,
    fromAccountId: from,
    toAccountId: to,
    reason: "insufficient_funds",
    detail: "Account alice-main holds less than the amount requested",
    failedAt: later,
  },
};
const completed: TransferEvent = {
  type: "TransferCompleted",
  data: {
    transferId,
    fromAccountId: from,
    toAccountId: to,
    amount: 12_000,
    currency: "USD",
    completedAt: latest,
  },
};
const compensated: TransferEvent = {
  type: "TransferCompensated",
  data: {
    transferId,
    fromAccountId: from,
    toAccountId: to,
    amount: 12_000,
    currency: "USD",
    reason: "destination_account_closed",
    detail: "Account bob-main is closed",
    compensatedAt: latest,
  },
};

const terms = {
  transferId,
  fromAccountId: from,
  toAccountId: to,
  amount: 12_000,
  currency: "USD",
  requestedAt: at,
};

describe("Transfer", () => {
  describe("when not requested", () => {
    it("is requested, and nothing has moved yet", () => spec.given([]).when(request()).then([requested]));

    it.each([
      ["an empty transfer id", { transferId: "" }, "transferId"],
      ["an empty source account", { fromAccountId: " " }, "fromAccountId"],
      ["an empty destination account", { toAccountId: "" }, "toAccountId"],
      ["the same account on both sides", { toAccountId: from }, "toAccountId"],
      ["a zero amount", { amount: 0 }, "amount"],
      ["a negative amount", { amount: -100 }, "amount"],
      ["a fraction of a minor unit", { amount: 12.5 }, "amount"],
      ["an amount beyond exact integers", { amount: Number.MAX_SAFE_INTEGER + 1 }, "amount"],
      ["no amount at all", { amount: Number.NaN }, "amount"],
      ["an unknown currency", { currency: "XXX" }, "currency"],
      ["a currency in lower case", { currency: "usd" }, "currency"],
    ])("refuses %s", (_, overrides, field) =>
      spec.given([]).when(request(overrides)).thenThrows(ValidationError, { field }),
    );

    it.each([recordDebit, fail, recordCredit, compensate])("refuses $type: no such transfer", (command) =>
      spec.given([]).when(command).thenThrows(TransferNotFound, { transferId, code: "TRANSFER_NOT_FOUND" }),
    );

    it("has no state to show", () => spec.given([]).thenState({ status: "none" }));
  });

  describe("when requested", () => {
    const history = [requested];
    it("records the debit of the source account", () =>
      spec.given(history).when(recordDebit).then([debited]));
    it("fails when the source account refused the debit", () =>
      spec.given(history).when(fail).then([failed]));
    it.each([
      "insufficient_funds",
      "source_account_not_found",
      "source_account_closed",
      "currency_mismatch",
    ] as const)("fails for %s", (reason) =>
      spec
        .given(history)
        .when({ ...fail, reason } as TransferCommand)
        .then([{ ...failed, data: { ...failed.data, reason } } as TransferEvent]),
    );
    it("refuses a failure reason that belongs to the destination", () =>
      spec
        .given(history)
        .when({ ...fail, reason: "destination_account_closed" } as unknown as TransferCommand)
        .thenThrows(ValidationError, { field: "reason" }));
    it("refuses a failure without words for people", () =>
      spec
        .given(history)
        .when({ ...fail, detail: "  " } as TransferCommand)
        .thenThrows(ValidationError, { field: "detail" }));
    it("refuses to be requested again, even the same way", () =>
      spec.given(history).when(request()).thenThrows(TransferAlreadyExists, {
        transferId,
        status: "requested",
        code: "TRANSFER_ALREADY_EXISTS",
      }));
    it.each([recordCredit, compensate])("refuses $type before the debit", (command) =>
      spec.given(history).when(command).thenThrows(InvalidTransferTransition, {
        transferId,
        from: "requested",
        command: command.type,
        code: "INVALID_TRANSFER_TRANSITION",
      }),
    );
    it("is pending with its terms", () => spec.given(history).thenState({ status: "requested", ...terms }));
  });

  describe("when debited", () => {
    const history = [requested, debited];
    it("completes when the destination took the amount in", () =>
      spec.given(history).when(recordCredit).then([completed]));
    it("is compensated when the destination refused it and the debit was reversed", () =>
      spec.given(history).when(compensate).then([compensated]));
    it.each(["destination_account_not_found", "destination_account_closed", "currency_mismatch"] as const)(
      "is compensated for %s",
      (reason) =>
        spec
          .given(history)
          .when({ ...compensate, reason } as TransferCommand)
          .then([{ ...compensated, data: { ...compensated.data, reason } } as TransferEvent]),
    );
    it("refuses a compensation reason that belongs to the source", () =>
      spec
        .given(history)
        .when({ ...compensate, reason: "insufficient_funds" } as unknown as TransferCommand)
        .thenThrows(ValidationError, { field: "reason" }));
    it("refuses a compensation without words for people", () =>
      spec
        .given(history)
        .when({ ...compensate, detail: "" } as TransferCommand)
        .thenThrows(ValidationError, { field: "detail" }));
    it("takes a repeated debit as done already", () =>
      spec.given(history).when(recordDebit).thenNothingHappens());
    it("refuses to fail once the money has left the source", () =>
      spec
        .given(history)
        .when(fail)
        .thenThrows(InvalidTransferTransition, { from: "debited", command: "FailTransfer" }));
    it("refuses to be requested again", () =>
      spec.given(history).when(request()).thenThrows(TransferAlreadyExists, { status: "debited" }));
    it("is pending, with when the debit happened", () =>
      spec.given(history).thenState({ status: "debited", ...terms, debitedAt: later }));
  });

  describe("when completed", () => {
    const history = [requested, debited, completed];
    it("takes a repeated credit as done already", () =>
      spec.given(history).when(recordCredit).thenNothingHappens());
    it.each([
      [recordDebit, "RecordTransferDebit"],
      [fail, "FailTransfer"],
      [compensate, "CompensateTransfer"],
    ] as const)("refuses %s", (command, type) =>
      spec
        .given(history)
        .when(command)
        .thenThrows(InvalidTransferTransition, { transferId, from: "completed", command: type }),
    );
    it("refuses to be requested again", () =>
      spec.given(history).when(request()).thenThrows(TransferAlreadyExists, { status: "completed" }));
    it("shows every step", () =>
      spec
        .given(history)
        .thenState({ status: "completed", ...terms, debitedAt: later, completedAt: latest }));
  });

  describe("when failed", () => {
    const history = [requested, failed];
    it("takes a repeated failure as done already", () => spec.given(history).when(fail).thenNothingHappens());
    it("takes a repeated failure as done already, whatever reason the retry gives", () =>
      spec
        .given(history)
        .when({ ...fail, reason: "source_account_closed" } as TransferCommand)
        .thenNothingHappens());
    it.each([
      [recordDebit, "RecordTransferDebit"],
      [recordCredit, "RecordTransferCredit"],
      [compensate, "CompensateTransfer"],
    ] as const)("refuses %s", (command, type) =>
      spec
        .given(history)
        .when(command)
        .thenThrows(InvalidTransferTransition, { transferId, from: "failed", command: type }),
    );
    it("refuses to be requested again", () =>
      spec.given(history).when(request()).thenThrows(TransferAlreadyExists, { status: "failed" }));
    it("shows why", () =>
      spec.given(history).thenState({
        status: "failed",
        ...terms,
        reason: "insufficient_funds",
        detail: "Account alice-main holds less than the amount requested",
        failedAt: later,
      }));
  });

  describe("when compensated", () => {
    const history = [requested, debited, compensated];
    it("takes a repeated compensation as done already", () =>
      spec.given(history).when(compensate).thenNothingHappens());
    it.each([
      [recordDebit, "RecordTransferDebit"],
      [fail, "FailTransfer"],
      [recordCredit, "RecordTransferCredit"],
    ] as const)("refuses %s", (command, type) =>
      spec
        .given(history)
        .when(command)
        .thenThrows(InvalidTransferTransition, { transferId, from: "compensated", command: type }),
    );
    it("refuses to be requested again", () =>
      spec.given(history).when(request()).thenThrows(TransferAlreadyExists, { status: "compensated" }));
    it("shows every step and why", () =>
      spec.given(history).thenState({
        status: "compensated",
        ...terms,
        debitedAt: later,
        reason: "destination_account_closed",
        detail: "Account bob-main is closed",
        compensatedAt: latest,
      }));
  });

  it("names the transfer, its state and the command in a refused move", () => {
    const state = fold(transferDecider, [requested, failed]);
    expect(() => transferDecider.decide(recordCredit, state)).toThrow(
      "Transfer t-1 is failed; RecordTransferCredit is not allowed",
    );
  });

  describe("evolve never throws", () => {
    const cases: [string, TransferEvent[], TransferState["status"]][] = [
      ["a step before any request", [debited], "none"],
      ["a completion before the debit", [requested, completed], "requested"],
      ["a compensation before the debit", [requested, compensated], "requested"],
      ["a failure after the debit", [requested, debited, failed], "debited"],
      [
        "a second request",
        [requested, { ...requested, data: { ...requested.data, amount: 1 } }],
        "requested",
      ],
      ["a step after the end", [requested, debited, completed, compensated], "completed"],
    ];
    it.each(cases)("keeps the state on %s", (_, events, status) => {
      const state = fold(transferDecider, events);
      expect(state.status).toBe(status);
      if (state.status !== "none") expect(state.amount).toBe(12_000);
    });
  });
});

describe("A transfer's debit, credit and compensation on the accounts", () => {
  const accounts = deciderSpec(accountDecider);
  const opened = (accountId: string): AccountEvent => ({
    type: "AccountOpened",
    data: { accountId, ownerId: "someone", currency: "USD", openedAt: at },
  });
  const funded: AccountEvent = {
    type: "MoneyDeposited",
    data: { accountId: from, amount: 50_000, currency: "USD", balanceAfter: 50_000, depositedAt: at },
  };

  it("names the debit's withdrawal by the transfer's id", () => {
    expect(transferWithdrawalId("t-rent-april")).toBe("transfer-t-rent-april");
  });

  it("debits the source with a withdrawal named by the transfer, carrying it", () =>
    accounts
      .given([opened(from), funded])
      .when({
        type: "WithdrawMoney",
        accountId: from,
        withdrawalId: transferWithdrawalId(transferId),
        amount: 12_000,
        currency: "USD",
        transferId,
        at: later,
      })
      .then([
        {
          type: "MoneyWithdrawn",
          data: {
            accountId: from,
            withdrawalId: transferWithdrawalId(transferId),
            amount: 12_000,
            currency: "USD",
            balanceAfter: 38_000,
            withdrawnAt: later,
            transferId,
          },
        },
      ]));

  it("gives the money back on the source when the destination refuses it, both sides naming the transfer", () => {
    const withdrawn: AccountEvent = {
      type: "MoneyWithdrawn",
      data: {
        accountId: from,
        withdrawalId: transferWithdrawalId(transferId),
        amount: 12_000,
        currency: "USD",
        balanceAfter: 38_000,
        withdrawnAt: later,
        transferId,
      },
    };
    const closedDestination: AccountEvent[] = [
      opened(to),
      { type: "AccountClosed", data: { accountId: to, closedAt: at } },
    ];
    accounts
      .given(closedDestination)
      .when({ type: "DepositMoney", accountId: to, amount: 12_000, currency: "USD", transferId, at: latest })
      .thenThrows(AccountClosedError);
    accounts
      .given([opened(from), funded, withdrawn])
      .when({
        type: "ReverseWithdrawal",
        accountId: from,
        withdrawalId: transferWithdrawalId(transferId),
        reason: "Account bob-main is closed",
        transferId,
        at: latest,
      })
      .then([
        {
          type: "WithdrawalReversed",
          data: {
            accountId: from,
            withdrawalId: transferWithdrawalId(transferId),
            amount: 12_000,
            currency: "USD",
            balanceAfter: 50_000,
            reason: "Account bob-main is closed",
            reversedAt: latest,
            transferId,
          },
        },
      ]);
  });
});

describe("The transfer aggregate and its contracts", () => {
  it("lives on transfer-<transferId> streams", () => {
    expect(transferStreamId("t-9")).toBe("transfer-t-9");
    expect(transferStreamPrefix).toBe("transfer-");
    expect(transferAggregate.streamId("t-9")).toBe("transfer-t-9");
    expect(kindOfStream("transfer-t-9")).toBe("TRANSFER");
    expect(transferAggregate.name).toBe("transfer");
    expect(transferAggregate.stateVersion).toBe(1);
  });

  it("catalogues every transfer event at version 1, in the transfers context", () => {
    const catalogued = eventCatalogue.filter((contract) => contract.aggregate === "transfer");
    expect(catalogued.map((contract) => contract.type)).toEqual([...transferEventTypes]);
    for (const contract of catalogued) {
      expect(contract).toMatchObject({
        context: "transfers",
        streamPrefix: "transfer-",
        idField: "transferId",
      });
      expect(contract.versions.map((version) => version.version)).toEqual([1]);
    }
  });

  it("writes what the decider decides in a shape the door accepts", () => {
    const run = (commands: TransferCommand[]) => {
      let state = transferDecider.initialState;
      const events: TransferEvent[] = [];
      for (const command of commands) {
        const decided = transferDecider.decide(command, state);
        events.push(...decided);
        state = fold(transferDecider, decided, state);
      }
      return events;
    };
    const all = [
      ...run([request(), recordDebit, recordCredit]),
      ...run([request(), fail]),
      ...run([request(), recordDebit, compensate]),
    ];
    expect(all.map((event) => event.type)).toEqual([
      "TransferRequested",
      "TransferDebited",
      "TransferCompleted",
      "TransferRequested",
      "TransferFailed",
      "TransferRequested",
      "TransferDebited",
      "TransferCompensated",
    ]);
    for (const event of all) {
      const schemaVersion = transferEventSchemaVersion(event);
      expect(
        checkEvent(transferStreamId(transferId), { type: event.type, schemaVersion, data: event.data }),
      ).toBe(`urn:ledgerline:event:${event.type}:v1`);
    }
  });

  it("refuses a transfer event on another transfer's stream, or on an account's", () => {
    expect(() =>
      checkEvent("transfer-t-2", { type: "TransferRequested", schemaVersion: 1, data: requested.data }),
    ).toThrow(/transferId is "t-1", but the stream is transfer-t-2/);
    expect(() =>
      checkEvent("account-t-1", { type: "TransferRequested", schemaVersion: 1, data: requested.data }),
    ).toThrow(/has no published schema for account streams/);
  });

  it("publishes the reasons as closed lists", () => {
    const reasons = (type: string, version = 0) =>
      (
        contractOf(type)!.versions[version]!.schema.properties.reason as unknown as {
          anyOf: { const: string }[];
        }
      ).anyOf.map((code) => code.const);
    expect(reasons("TransferFailed")).toEqual([
      "insufficient_funds",
      "source_account_not_found",
      "source_account_closed",
      "currency_mismatch",
    ]);
    expect(reasons("TransferCompensated")).toEqual([
      "destination_account_not_found",
      "destination_account_closed",
      "currency_mismatch",
    ]);
  });

  it("reads a stored transfer event as today's, and refuses one it does not know", () => {
    const stored = (type: string, schemaVersion: number, data: unknown) => ({
      id: "00000000-0000-4000-8000-000000000001",
      streamId: "transfer-t-1",
      revision: 0,
      position: { commit: 1n, prepare: 1n },
      type,
      data,
      metadata: {},
      schemaVersion,
      recordedAt: new Date(at),
    });
    expect(transferAggregate.fromStored(stored("TransferRequested", 1, requested.data) as never)).toEqual(
      requested,
    );
    expect(() =>
      transferAggregate.fromStored(stored("TransferRequested", 2, requested.data) as never),
    ).toThrow();
    expect(() => transferAggregate.fromStored(stored("TransferCancelled", 1, {}) as never)).toThrow();
  });
});
