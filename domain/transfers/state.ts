import type { MinorUnits } from "../shared/money";
import type { TransferCompensationReason, TransferFailureReason } from "./events";

/** What a transfer is, fixed when it is asked for. */
export type TransferTerms = {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: MinorUnits;
  currency: string;
  requestedAt: string;
};

/**
 * A transfer's state, a union on `status` so illegal combinations cannot be written: "requested"
 * and "debited" are pending (money leaves the source, then reaches the destination); "completed",
 * "failed" (the debit was refused) and "compensated" (the credit was refused, the debit reversed)
 * are final. Each status keeps when (and, for the unhappy ends, why) every step happened.
 */
export type TransferState =
  | { status: "none" }
  | ({ status: "requested" } & TransferTerms)
  | ({ status: "debited"; debitedAt: string } & TransferTerms)
  | ({ status: "completed"; debitedAt: string; completedAt: string } & TransferTerms)
  | ({
      status: "failed";
      reason: TransferFailureReason;
      detail: string;
      failedAt: string;
    } & TransferTerms)
  | ({
      status: "compensated";
      debitedAt: string;
      reason: TransferCompensationReason;
      detail: string;
      compensatedAt: string;
    } & TransferTerms);

export type TransferStatus = TransferState["status"];

export const initialTransferState: TransferState = { status: "none" };

export function transferStreamId(transferId: string): string {
  return `transfer-${transferId}`;
}

export const transferStreamPrefix = "transfer-";
