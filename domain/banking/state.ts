import type { MinorUnits } from "../shared/money";

export type WithdrawalRecord = { amount: MinorUnits; reversed: boolean };

/** An account's state, a union on `status` so illegal combinations cannot be written. */
export type AccountState =
  | { status: "unopened" }
  | {
      status: "open";
      accountId: string;
      ownerId: string;
      currency: string;
      balance: MinorUnits;
      withdrawals: Readonly<Record<string, WithdrawalRecord>>;
    }
  | { status: "closed"; accountId: string; ownerId: string; currency: string };

export const initialAccountState: AccountState = { status: "unopened" };

export function accountStreamId(accountId: string): string {
  return `account-${accountId}`;
}

export const accountStreamPrefix = "account-";
