import { assertNever, type Decider } from "../shared/decider";
import { ValidationError } from "../shared/errors";
import { addMinor, assertCurrency } from "../shared/money";
import type {
  AccountCommand,
  CloseAccount,
  DepositMoney,
  OpenAccount,
  ReverseWithdrawal,
  WithdrawMoney,
} from "./commands";
import {
  AccountAlreadyOpen,
  AccountClosedError,
  AccountNotEmpty,
  AccountNotFound,
  CurrencyMismatch,
  InsufficientFunds,
  WithdrawalAlreadyReversed,
  WithdrawalNotFound,
} from "./errors";
import type { AccountEvent } from "./events";
import { initialAccountState, type AccountState } from "./state";

type OpenState = Extract<AccountState, { status: "open" }>;

function requireOpen(state: AccountState, accountId: string): OpenState {
  if (state.status === "unopened") throw new AccountNotFound(accountId);
  if (state.status === "closed") throw new AccountClosedError(accountId);
  return state;
}

function requirePositive(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new ValidationError("amount", "The amount must be a positive whole number of minor units");
  }
}

function requireCurrency(state: OpenState, currency: string): void {
  if (currency !== state.currency) throw new CurrencyMismatch(state.currency, currency);
}

/**
 * The transfer a movement belongs to, as its event carries it: present only when the command names
 * one, so a movement outside any transfer is recorded exactly as before transfers existed.
 */
function transferOf(command: { transferId?: string }): { transferId?: string } {
  if (command.transferId === undefined) return {};
  if (command.transferId.trim() === "") {
    throw new ValidationError("transferId", "The transfer, when given, must be named");
  }
  return { transferId: command.transferId };
}

function open(command: OpenAccount, state: AccountState): AccountEvent[] {
  if (state.status !== "unopened") throw new AccountAlreadyOpen(command.accountId);
  if (command.ownerId.trim() === "") throw new ValidationError("ownerId", "The owner is required");
  assertCurrency(command.currency);
  return [
    {
      type: "AccountOpened",
      data: {
        accountId: command.accountId,
        ownerId: command.ownerId,
        currency: command.currency,
        openedAt: command.at,
      },
    },
  ];
}

function deposit(command: DepositMoney, state: AccountState): AccountEvent[] {
  const account = requireOpen(state, command.accountId);
  requirePositive(command.amount);
  requireCurrency(account, command.currency);
  const transfer = transferOf(command);
  const balanceAfter = addMinor(account.balance, command.amount);
  return [
    {
      type: "MoneyDeposited",
      data: {
        accountId: command.accountId,
        amount: command.amount,
        currency: command.currency,
        balanceAfter,
        depositedAt: command.at,
        ...transfer,
      },
    },
  ];
}

function withdraw(command: WithdrawMoney, state: AccountState): AccountEvent[] {
  const account = requireOpen(state, command.accountId);
  requirePositive(command.amount);
  requireCurrency(account, command.currency);
  if (account.withdrawals[command.withdrawalId]) {
    throw new ValidationError("withdrawalId", `Withdrawal ${command.withdrawalId} already exists`);
  }
  if (command.amount > account.balance) {
    throw new InsufficientFunds(command.accountId, account.balance, command.amount, account.currency);
  }
  const transfer = transferOf(command);
  return [
    {
      type: "MoneyWithdrawn",
      data: {
        accountId: command.accountId,
        withdrawalId: command.withdrawalId,
        amount: command.amount,
        currency: command.currency,
        balanceAfter: account.balance - command.amount,
        withdrawnAt: command.at,
        ...transfer,
      },
    },
  ];
}

function reverseWithdrawal(command: ReverseWithdrawal, state: AccountState): AccountEvent[] {
  const account = requireOpen(state, command.accountId);
  const withdrawal = account.withdrawals[command.withdrawalId];
  if (!withdrawal) throw new WithdrawalNotFound(command.withdrawalId);
  if (withdrawal.reversed) throw new WithdrawalAlreadyReversed(command.withdrawalId);
  if (command.reason.trim() === "") throw new ValidationError("reason", "A reversal needs a reason");
  const transfer = transferOf(command);
  return [
    {
      type: "WithdrawalReversed",
      data: {
        accountId: command.accountId,
        withdrawalId: command.withdrawalId,
        amount: withdrawal.amount,
        currency: account.currency,
        balanceAfter: addMinor(account.balance, withdrawal.amount),
        reason: command.reason,
        reversedAt: command.at,
        ...transfer,
      },
    },
  ];
}

function close(command: CloseAccount, state: AccountState): AccountEvent[] {
  const account = requireOpen(state, command.accountId);
  if (account.balance !== 0) throw new AccountNotEmpty(command.accountId, account.balance, account.currency);
  return [{ type: "AccountClosed", data: { accountId: command.accountId, closedAt: command.at } }];
}

export function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case "OpenAccount":
      return open(command, state);
    case "DepositMoney":
      return deposit(command, state);
    case "WithdrawMoney":
      return withdraw(command, state);
    case "ReverseWithdrawal":
      return reverseWithdrawal(command, state);
    case "CloseAccount":
      return close(command, state);
    default:
      return assertNever(command);
  }
}

/** Folds one event; never throws (events are facts already accepted). */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case "AccountOpened":
      return {
        status: "open",
        accountId: event.data.accountId,
        ownerId: event.data.ownerId,
        currency: event.data.currency,
        balance: 0,
        withdrawals: {},
      };
    case "MoneyDeposited":
      if (state.status !== "open") return state;
      return { ...state, balance: state.balance + event.data.amount };
    case "MoneyWithdrawn":
      if (state.status !== "open") return state;
      return {
        ...state,
        balance: state.balance - event.data.amount,
        withdrawals: {
          ...state.withdrawals,
          [event.data.withdrawalId]: { amount: event.data.amount, reversed: false },
        },
      };
    case "WithdrawalReversed": {
      if (state.status !== "open") return state;
      const withdrawal = state.withdrawals[event.data.withdrawalId];
      return {
        ...state,
        balance: state.balance + event.data.amount,
        withdrawals: withdrawal
          ? { ...state.withdrawals, [event.data.withdrawalId]: { ...withdrawal, reversed: true } }
          : state.withdrawals,
      };
    }
    case "AccountClosed":
      if (state.status !== "open") return state;
      return {
        status: "closed",
        accountId: state.accountId,
        ownerId: state.ownerId,
        currency: state.currency,
      };
    default:
      return assertNever(event);
  }
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  decide,
  evolve,
  initialState: initialAccountState,
};
