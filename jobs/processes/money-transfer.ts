import { aggregates } from "../../commands/aggregates/index";
import type { CommandResult } from "../../commands/result";
import {
  AccountClosedError,
  AccountNotFound,
  CurrencyMismatch,
  InsufficientFunds,
} from "../../domain/banking/errors";
import { DomainError } from "../../domain/shared/errors";
import { transferWithdrawalId } from "../../domain/transfers/decider";
import type {
  TransferCompensationReason,
  TransferFailureReason,
  TransferRequested,
} from "../../domain/transfers/events";
import { transferStreamPrefix } from "../../domain/transfers/state";
import { transferEventFromStored } from "../../domain/transfers/upcasters";
import type { ProcessContext, ProcessManager } from "./process";

const { ACCOUNT, TRANSFER } = aggregates;

/**
 * Money moved between two accounts, step by step, each step recorded on the transfer's stream:
 *
 *   debit the source (a withdrawal named by the transfer) ── refused ──▶ the transfer failed
 *        │ paid out: the transfer is debited
 *   credit the destination (a deposit naming the transfer) ── refused ──▶ reverse the debit (a
 *        │ taken in: the transfer completed                               compensating event naming
 *                                                                        the transfer), compensated
 *
 * One reaction (a job) runs the whole chain for one TransferRequested; a worker that dies between
 * two steps has the job run again, the steps done replay by their keys and the rest follows, so
 * no transfer is left debited and never credited or given back.
 */
export const moneyTransferProcess: ProcessManager = {
  name: "money-transfer",
  filter: { streamPrefixes: [transferStreamPrefix], eventTypes: ["TransferRequested"] },
  reactsTo: (event) => event.type === "TransferRequested",
  async react(cause, context) {
    const event = transferEventFromStored(cause);
    if (event.type !== "TransferRequested") return `nothing to do for ${event.type}`;
    return transfer(event.data, context);
  },
};

const compensationReasons: readonly TransferCompensationReason[] = [
  "destination_account_not_found",
  "destination_account_closed",
  "currency_mismatch",
];

async function transfer(request: TransferRequested["data"], { steps }: ProcessContext): Promise<string> {
  const { transferId, fromAccountId, toAccountId, amount, currency } = request;
  const withdrawalId = transferWithdrawalId(transferId);
  // A refusal records nothing: once an earlier run has recorded the failure, the debit is never
  // tried again (the source may have the money by now).
  if (await steps.done("fail")) return `transfer ${transferId} failed (on an earlier run)`;
  let debit: CommandResult;
  try {
    debit = await steps.send("debit", ACCOUNT, fromAccountId, {
      type: "WithdrawMoney",
      accountId: fromAccountId,
      withdrawalId,
      amount,
      currency,
      transferId,
    });
  } catch (error) {
    const reason = failureReason(error);
    if (!reason) throw error;
    await steps.send("fail", TRANSFER, transferId, {
      type: "FailTransfer",
      transferId,
      reason,
      detail: failureDetail(reason, fromAccountId, currency),
    });
    return `transfer ${transferId} failed: ${reason}`;
  }
  await steps.send("debited", TRANSFER, transferId, { type: "RecordTransferDebit", transferId });
  // A refusal records nothing, so a rerun could find the destination accepting by now (an account
  // opened since): once an earlier run has given the debit back, the credit is never tried again.
  // The reversal's step names the refusal, so the rerun knows which it was. Only a run that found
  // the debit done before (replayed) can follow one that gave it back.
  let refusal = debit.replayed ? await earlierRefusal(steps, toAccountId, currency) : null;
  if (!refusal) {
    try {
      await steps.send("credit", ACCOUNT, toAccountId, {
        type: "DepositMoney",
        accountId: toAccountId,
        amount,
        currency,
        transferId,
      });
      await steps.send("completed", TRANSFER, transferId, { type: "RecordTransferCredit", transferId });
      return `transfer ${transferId} completed`;
    } catch (error) {
      const reason = compensationReason(error);
      if (!reason) throw error;
      refusal = { reason, detail: refusalDetail(reason, toAccountId, currency) };
    }
  }
  const { reason, detail } = refusal;
  await steps.send(`reverse/${reason}`, ACCOUNT, fromAccountId, {
    type: "ReverseWithdrawal",
    accountId: fromAccountId,
    withdrawalId,
    reason: `Transfer ${transferId} could not be credited (${reason})`,
    transferId,
  });
  await steps.send("compensate", TRANSFER, transferId, {
    type: "CompensateTransfer",
    transferId,
    reason,
    detail,
  });
  return `transfer ${transferId} compensated: ${reason}`;
}

/** The refusal an earlier run met at the credit, when it gave the debit back (null: none did). */
async function earlierRefusal(
  steps: ProcessContext["steps"],
  toAccountId: string,
  currency: string,
): Promise<{ reason: TransferCompensationReason; detail: string } | null> {
  const reversed = await Promise.all(compensationReasons.map((reason) => steps.done(`reverse/${reason}`)));
  const reason = compensationReasons.find((_, i) => reversed[i]);
  return reason ? { reason, detail: refusalDetail(reason, toAccountId, currency) } : null;
}

/**
 * The refusal for people, from the reason alone: a rerun that finds the debit already given back
 * must send the very request the first run sent (its idempotency key is bound to it).
 */
function refusalDetail(reason: TransferCompensationReason, toAccountId: string, currency: string): string {
  switch (reason) {
    case "destination_account_not_found":
      return `Account ${toAccountId} does not exist`;
    case "destination_account_closed":
      return `Account ${toAccountId} is closed`;
    case "currency_mismatch":
      return `Account ${toAccountId} does not hold ${currency}`;
  }
}

function failureDetail(reason: TransferFailureReason, fromAccountId: string, currency: string): string {
  switch (reason) {
    case "insufficient_funds":
      return `Account ${fromAccountId} does not hold enough to pay it out`;
    case "source_account_not_found":
      return `Account ${fromAccountId} does not exist`;
    case "source_account_closed":
      return `Account ${fromAccountId} is closed`;
    case "currency_mismatch":
      return `Account ${fromAccountId} does not hold ${currency}`;
  }
}

/** Why the source refused to pay out, in the transfer's terms; null for anything else (retried). */
function failureReason(error: unknown): TransferFailureReason | null {
  if (!(error instanceof DomainError)) return null;
  if (error instanceof InsufficientFunds) return "insufficient_funds";
  if (error instanceof AccountNotFound) return "source_account_not_found";
  if (error instanceof AccountClosedError) return "source_account_closed";
  if (error instanceof CurrencyMismatch) return "currency_mismatch";
  return null;
}

/** Why the destination refused the amount; null for anything else (retried). */
function compensationReason(error: unknown): TransferCompensationReason | null {
  if (!(error instanceof DomainError)) return null;
  if (error instanceof AccountNotFound) return "destination_account_not_found";
  if (error instanceof AccountClosedError) return "destination_account_closed";
  if (error instanceof CurrencyMismatch) return "currency_mismatch";
  return null;
}
