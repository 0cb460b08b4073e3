import type { DomainError } from "../shared/errors";
import type { OrderCommand } from "./commands";
import {
  InvalidOrderTransition,
  OrderAlreadyExists,
  OrderAlreadyShipped,
  OrderNotFound,
  OrderNotPaid,
  RefundNotRequested,
} from "./errors";
import type { OrderState, OrderStatus } from "./state";

type LaterCommand = Exclude<OrderCommand, { type: "PlaceOrder" }>;

/**
 * The statuses each command may start from; every other status refuses it. RequestRefund starts
 * from paid or shipped only to record a RefundDenied (not delivered yet): the customer asked.
 */
export const allowedFrom = {
  ConfirmStock: ["awaiting_stock"],
  RejectForStock: ["awaiting_stock"],
  ConfirmPayment: ["awaiting_payment"],
  ShipOrder: ["paid"],
  DeliverOrder: ["shipped"],
  CancelOrder: ["awaiting_stock", "awaiting_payment", "paid"],
  RequestRefund: ["paid", "shipped", "delivered"],
  IssueRefund: ["refund_requested"],
  RecalculateTax: ["paid", "shipped", "delivered", "refund_requested"],
} as const satisfies Record<LaterCommand["type"], readonly OrderStatus[]>;

export type OrderIn<S extends OrderStatus> = OrderState & { status: S };

const shippedOrLater: readonly OrderStatus[] = ["shipped", "delivered", "refund_requested", "refunded"];

/** A specific error where it tells the client what to do instead; the general one otherwise. */
function refusal(state: Exclude<OrderState, { status: "new" }>, command: LaterCommand): DomainError {
  if (
    command.type === "ShipOrder" &&
    (state.status === "awaiting_payment" || state.status === "awaiting_stock")
  ) {
    return new OrderNotPaid(state.orderId);
  }
  if (command.type === "CancelOrder" && shippedOrLater.includes(state.status)) {
    return new OrderAlreadyShipped(state.orderId, state.status);
  }
  if (command.type === "IssueRefund" && state.status === "delivered") {
    return new RefundNotRequested(state.orderId);
  }
  return new InvalidOrderTransition(state.orderId, state.status, command.type);
}

/** The order, narrowed to the statuses the command may start from, or the refusal. */
export function requireStatus<C extends LaterCommand>(
  state: OrderState,
  command: C,
): OrderIn<(typeof allowedFrom)[C["type"]][number]> {
  if (state.status === "new") throw new OrderNotFound(command.orderId);
  const allowed: readonly OrderStatus[] = allowedFrom[command.type as C["type"]];
  if (!allowed.includes(state.status)) throw refusal(state, command);
  return state as OrderIn<(typeof allowedFrom)[C["type"]][number]>;
}

export function requireNew(state: OrderState, orderId: string): void {
  if (state.status !== "new") throw new OrderAlreadyExists(orderId, state.status);
}
