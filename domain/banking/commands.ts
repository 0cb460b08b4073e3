import type { MinorUnits } from "../shared/money";

/** Commands arrive enriched at the edge: ids and instants (ISO-8601) come in, never from a clock. */
export type OpenAccount = {
  type: "OpenAccount";
  accountId: string;
  ownerId: string;
  currency: string;
  at: string;
};
export type DepositMoney = {
  type: "DepositMoney";
  accountId: string;
  amount: MinorUnits;
  currency: string;
  at: string;
  /** Set when the movement is a step of a transfer between accounts: its events name the transfer. */
  transferId?: string;
};
export type WithdrawMoney = {
  type: "WithdrawMoney";
  accountId: string;
  withdrawalId: string;
  amount: MinorUnits;
  currency: string;
  at: string;
  /** Set when the movement is a step of a transfer between accounts: its events name the transfer. */
  transferId?: string;
};
export type ReverseWithdrawal = {
  type: "ReverseWithdrawal";
  accountId: string;
  withdrawalId: string;
  reason: string;
  at: string;
  /** Set when the movement is a step of a transfer between accounts: its events name the transfer. */
  transferId?: string;
};
export type CloseAccount = { type: "CloseAccount"; accountId: string; at: string };

export type AccountCommand = OpenAccount | DepositMoney | WithdrawMoney | ReverseWithdrawal | CloseAccount;
