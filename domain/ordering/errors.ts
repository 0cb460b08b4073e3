import { DomainError } from "../shared/errors";
import type { OrderCommand } from "./commands";
import type { OrderStatus } from "./state";

export class OrderNotFound extends DomainError {
  readonly code = "ORDER_NOT_FOUND";
  constructor(readonly orderId: string) {
    super(`Order ${orderId} does not exist`);
    this.name = "OrderNotFound";
  }
}

/** PlaceOrder on an id already used (placed or rejected): a new order needs a new id. */
export class OrderAlreadyExists extends DomainError {
  readonly code = "ORDER_ALREADY_EXISTS";
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
  ) {
    super(`Order ${orderId} already exists (${status})`);
    this.name = "OrderAlreadyExists";
  }
}

/** The general refusal of the state machine: this command cannot start from this status. */
export class InvalidOrderTransition extends DomainError {
  readonly code = "INVALID_ORDER_TRANSITION";
  constructor(
    readonly orderId: string,
    readonly from: OrderStatus,
    readonly command: OrderCommand["type"],
  ) {
    super(`Order ${orderId} is ${from}; ${command} is not allowed`);
    this.name = "InvalidOrderTransition";
  }
}

export class OrderNotPaid extends DomainError {
  readonly code = "ORDER_NOT_PAID";
  constructor(readonly orderId: string) {
    super(`Order ${orderId} ships only after its payment is confirmed`);
    this.name = "OrderNotPaid";
  }
}

export class OrderAlreadyShipped extends DomainError {
  readonly code = "ORDER_ALREADY_SHIPPED";
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
  ) {
    super(`Order ${orderId} has shipped and can no longer be cancelled; request a refund instead`);
    this.name = "OrderAlreadyShipped";
  }
}

export class RefundNotRequested extends DomainError {
  readonly code = "REFUND_NOT_REQUESTED";
  constructor(readonly orderId: string) {
    super(`Order ${orderId} has no refund request to issue a refund for`);
    this.name = "RefundNotRequested";
  }
}
