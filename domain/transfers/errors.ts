import { DomainError } from "../shared/errors";
import type { TransferCommand } from "./commands";
import type { TransferStatus } from "./state";

export class TransferNotFound extends DomainError {
  readonly code = "TRANSFER_NOT_FOUND";
  constructor(readonly transferId: string) {
    super(`Transfer ${transferId} does not exist`);
    this.name = "TransferNotFound";
  }
}

/** RequestTransfer on an id already used: a new transfer needs a new id. */
export class TransferAlreadyExists extends DomainError {
  readonly code = "TRANSFER_ALREADY_EXISTS";
  constructor(
    readonly transferId: string,
    readonly status: TransferStatus,
  ) {
    super(`Transfer ${transferId} already exists (${status})`);
    this.name = "TransferAlreadyExists";
  }
}

/** The transfer's steps happen in one order only: this command cannot follow this status. */
export class InvalidTransferTransition extends DomainError {
  readonly code = "INVALID_TRANSFER_TRANSITION";
  constructor(
    readonly transferId: string,
    readonly from: TransferStatus,
    readonly command: TransferCommand["type"],
  ) {
    super(`Transfer ${transferId} is ${from}; ${command} is not allowed`);
    this.name = "InvalidTransferTransition";
  }
}
