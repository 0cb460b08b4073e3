import type { MinorUnits } from "../shared/money";
import type { TransferCompensationReason, TransferFailureReason } from "./events";

/**
 * Commands arrive enriched at the edge: ids and instants (ISO-8601) come in, never from a clock.
 * A transfer is asked for once (RequestTransfer); every later command records what happened to one
 * of its steps on the accounts, so the transfer's stream tells the whole story.
 */
export type RequestTransfer = {
  type: "RequestTransfer";
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: MinorUnits;
  currency: string;
  at: string;
};
/** The source account paid the amount out. */
export type RecordTransferDebit = { type: "RecordTransferDebit"; transferId: string; at: string };
/** The source account refused to pay the amount out; nothing moved. */
export type FailTransfer = {
  type: "FailTransfer";
  transferId: string;
  reason: TransferFailureReason;
  detail: string;
  at: string;
};
/** The destination account took the amount in. */
export type RecordTransferCredit = { type: "RecordTransferCredit"; transferId: string; at: string };
/** The destination account refused the amount, and the source account has been given it back. */
export type CompensateTransfer = {
  type: "CompensateTransfer";
  transferId: string;
  reason: TransferCompensationReason;
  detail: string;
  at: string;
};

export type TransferCommand =
  RequestTransfer | RecordTransferDebit | FailTransfer | RecordTransferCredit | CompensateTransfer;
