import { assertNever, type Decider } from "../shared/decider";
import { ValidationError } from "../shared/errors";
import { assertCurrency } from "../shared/money";
import type {
  CompensateTransfer,
  FailTransfer,
  RecordTransferCredit,
  RecordTransferDebit,
  RequestTransfer,
  TransferCommand,
} from "./commands";
import { InvalidTransferTransition, TransferAlreadyExists, TransferNotFound } from "./errors";
import { TransferCompensationReasonSchema, TransferFailureReasonSchema, type TransferEvent } from "./events";
import { initialTransferState, type TransferState } from "./state";

/*
 * A transfer moves money between two accounts of the same currency. No single account can decide
 * it, so the accounts' own rules decide each step and the transfer records the outcome, in order:
 *
 *   requested → debited → completed       the source paid out, the destination took it in
 *   requested → failed                    the source refused to pay out: nothing moved
 *   requested → debited → compensated     the destination refused it: the debit was reversed
 *
 * The debit is an ordinary withdrawal on the source account whose withdrawal id is named by the
 * transfer (`transfer-<id>`, transferWithdrawalId), carrying the transfer's id as well; the compensation reverses
 * that same withdrawal, and the credit is a deposit naming the transfer. So the source account's
 * history shows which withdrawal a transfer took, and a compensation finds it without a lookup.
 *
 * Each step may be retried (a process that stopped halfway runs it again): repeating the command
 * that led to the transfer's current status changes nothing and is no error.
 */

/** The withdrawal on the source account that is a transfer's debit: named by the transfer's id
 * (prefixed, so it reads as a transfer in the account's history). */
export function transferWithdrawalId(transferId: string): string {
  return `transfer-${transferId}`;
}

type Requested = Extract<TransferState, { status: "requested" }>;
type Debited = Extract<TransferState, { status: "debited" }>;
type Existing = Exclude<TransferState, { status: "none" }>;
type LaterCommand = Exclude<TransferCommand, { type: "RequestTransfer" }>;

const failureReasons: readonly string[] = TransferFailureReasonSchema.anyOf.map((code) => code.const);
const compensationReasons: readonly string[] = TransferCompensationReasonSchema.anyOf.map(
  (code) => code.const,
);

function requireName(value: string, field: string, what: string): void {
  if (value.trim() === "") throw new ValidationError(field, `The ${what} is required`);
}

function requirePositive(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new ValidationError("amount", "The amount must be a positive whole number of minor units");
  }
}

/** Why a step ended the transfer the way it did: one of its codes, and words for people. */
function requireOutcome(command: FailTransfer | CompensateTransfer, codes: readonly string[]): void {
  if (!codes.includes(command.reason)) {
    throw new ValidationError("reason", `"${command.reason}" is not one of ${codes.join(", ")}`);
  }
  requireName(command.detail, "detail", "detail");
}

function requireExisting(state: TransferState, command: LaterCommand): Existing {
  if (state.status === "none") throw new TransferNotFound(command.transferId);
  return state;
}

function refuse(transfer: Existing, command: LaterCommand): never {
  throw new InvalidTransferTransition(transfer.transferId, transfer.status, command.type);
}

/** The transfer, if it is in `from`; null when `done` (the command already happened: a retry). */
function requireStep<S extends Existing["status"]>(
  state: TransferState,
  command: LaterCommand,
  from: S,
  done: Existing["status"],
): Extract<Existing, { status: S }> | null {
  const transfer = requireExisting(state, command);
  if (transfer.status === done) return null;
  if (transfer.status !== from) return refuse(transfer, command);
  return transfer as Extract<Existing, { status: S }>;
}

function request(command: RequestTransfer, state: TransferState): TransferEvent[] {
  if (state.status !== "none") throw new TransferAlreadyExists(command.transferId, state.status);
  requireName(command.transferId, "transferId", "transfer id");
  requireName(command.fromAccountId, "fromAccountId", "account to take the money from");
  requireName(command.toAccountId, "toAccountId", "account to pay the money into");
  if (command.fromAccountId === command.toAccountId) {
    throw new ValidationError("toAccountId", "A transfer moves money between two different accounts");
  }
  requirePositive(command.amount);
  assertCurrency(command.currency);
  return [
    {
      type: "TransferRequested",
      data: {
        transferId: command.transferId,
        fromAccountId: command.fromAccountId,
        toAccountId: command.toAccountId,
        amount: command.amount,
        currency: command.currency,
        requestedAt: command.at,
      },
    },
  ];
}

function recordDebit(command: RecordTransferDebit, state: TransferState): TransferEvent[] {
  const transfer: Requested | null = requireStep(state, command, "requested", "debited");
  if (!transfer) return [];
  return [
    {
      type: "TransferDebited",
      data: {
        transferId: transfer.transferId,
        fromAccountId: transfer.fromAccountId,
        amount: transfer.amount,
        currency: transfer.currency,
        debitedAt: command.at,
      },
    },
  ];
}

function fail(command: FailTransfer, state: TransferState): TransferEvent[] {
  const transfer: Requested | null = requireStep(state, command, "requested", "failed");
  if (!transfer) return [];
  requireOutcome(command, failureReasons);
  return [
    {
      type: "TransferFailed",
      data: {
        transferId: transfer.transferId,
        fromAccountId: transfer.fromAccountId,
        toAccountId: transfer.toAccountId,
        reason: command.reason,
        detail: command.detail,
        failedAt: command.at,
      },
    },
  ];
}

function recordCredit(command: RecordTransferCredit, state: TransferState): TransferEvent[] {
  const transfer: Debited | null = requireStep(state, command, "debited", "completed");
  if (!transfer) return [];
  return [
    {
      type: "TransferCompleted",
      data: {
        transferId: transfer.transferId,
        fromAccountId: transfer.fromAccountId,
        toAccountId: transfer.toAccountId,
        amount: transfer.amount,
        currency: transfer.currency,
        completedAt: command.at,
      },
    },
  ];
}

function compensate(command: CompensateTransfer, state: TransferState): TransferEvent[] {
  const transfer: Debited | null = requireStep(state, command, "debited", "compensated");
  if (!transfer) return [];
  requireOutcome(command, compensationReasons);
  return [
    {
      type: "TransferCompensated",
      data: {
        transferId: transfer.transferId,
        fromAccountId: transfer.fromAccountId,
        toAccountId: transfer.toAccountId,
        amount: transfer.amount,
        currency: transfer.currency,
        reason: command.reason,
        detail: command.detail,
        compensatedAt: command.at,
      },
    },
  ];
}

export function decide(command: TransferCommand, state: TransferState): TransferEvent[] {
  switch (command.type) {
    case "RequestTransfer":
      return request(command, state);
    case "RecordTransferDebit":
      return recordDebit(command, state);
    case "FailTransfer":
      return fail(command, state);
    case "RecordTransferCredit":
      return recordCredit(command, state);
    case "CompensateTransfer":
      return compensate(command, state);
    default:
      return assertNever(command);
  }
}

/** Folds one event; never throws (events are facts already accepted). */
export function evolve(state: TransferState, event: TransferEvent): TransferState {
  switch (event.type) {
    case "TransferRequested":
      if (state.status !== "none") return state;
      return {
        status: "requested",
        transferId: event.data.transferId,
        fromAccountId: event.data.fromAccountId,
        toAccountId: event.data.toAccountId,
        amount: event.data.amount,
        currency: event.data.currency,
        requestedAt: event.data.requestedAt,
      };
    case "TransferDebited":
      if (state.status !== "requested") return state;
      return { ...state, status: "debited", debitedAt: event.data.debitedAt };
    case "TransferFailed":
      if (state.status !== "requested") return state;
      return {
        ...state,
        status: "failed",
        reason: event.data.reason,
        detail: event.data.detail,
        failedAt: event.data.failedAt,
      };
    case "TransferCompleted":
      if (state.status !== "debited") return state;
      return { ...state, status: "completed", completedAt: event.data.completedAt };
    case "TransferCompensated":
      if (state.status !== "debited") return state;
      return {
        ...state,
        status: "compensated",
        reason: event.data.reason,
        detail: event.data.detail,
        compensatedAt: event.data.compensatedAt,
      };
    default:
      return assertNever(event);
  }
}

export const transferDecider: Decider<TransferCommand, TransferEvent, TransferState> = {
  decide,
  evolve,
  initialState: initialTransferState,
};
