import { DomainError } from "../shared/errors";

export class AccountNotFound extends DomainError {
  readonly code = "ACCOUNT_NOT_FOUND";
  constructor(readonly accountId: string) {
    super(`Account ${accountId} does not exist`);
    this.name = "AccountNotFound";
  }
}

export class AccountAlreadyOpen extends DomainError {
  readonly code = "ACCOUNT_ALREADY_OPEN";
  constructor(readonly accountId: string) {
    super(`Account ${accountId} is already open`);
    this.name = "AccountAlreadyOpen";
  }
}

export class AccountClosedError extends DomainError {
  readonly code = "ACCOUNT_CLOSED";
  constructor(readonly accountId: string) {
    super(`Account ${accountId} is closed`);
    this.name = "AccountClosed";
  }
}

export class InsufficientFunds extends DomainError {
  readonly code = "INSUFFICIENT_FUNDS";
  constructor(
    readonly accountId: string,
    readonly balance: number,
    readonly requested: number,
    readonly currency: string,
  ) {
    super(`Account ${accountId} holds less than the amount requested`);
    this.name = "InsufficientFunds";
  }
}

export class CurrencyMismatch extends DomainError {
  readonly code = "CURRENCY_MISMATCH";
  constructor(
    readonly accountCurrency: string,
    readonly given: string,
  ) {
    super(`The account holds ${accountCurrency}; ${given} was given`);
    this.name = "CurrencyMismatch";
  }
}

export class WithdrawalNotFound extends DomainError {
  readonly code = "WITHDRAWAL_NOT_FOUND";
  constructor(readonly withdrawalId: string) {
    super(`Withdrawal ${withdrawalId} is not on this account`);
    this.name = "WithdrawalNotFound";
  }
}

export class WithdrawalAlreadyReversed extends DomainError {
  readonly code = "WITHDRAWAL_ALREADY_REVERSED";
  constructor(readonly withdrawalId: string) {
    super(`Withdrawal ${withdrawalId} was already reversed`);
    this.name = "WithdrawalAlreadyReversed";
  }
}

export class AccountNotEmpty extends DomainError {
  readonly code = "ACCOUNT_NOT_EMPTY";
  constructor(
    readonly accountId: string,
    readonly balance: number,
    readonly currency: string,
  ) {
    super(`Account ${accountId} can only be closed at a zero balance`);
    this.name = "AccountNotEmpty";
  }
}
