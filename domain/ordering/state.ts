import type { MinorUnits } from "../shared/money";
import type { LineQuantity, OrderRejectionReason } from "./events";

/**
 * The order lifecycle (every other move is refused, see transitions.ts):
 *
 *   PlaceOrder ──▶ awaiting_payment ─ConfirmPayment─▶ paid ─ShipOrder─▶ shipped ─DeliverOrder─▶ delivered
 *        └──────▶ rejected          (PaymentDeclined stays)                                          │
 *   CancelOrder:  awaiting_payment | paid ──▶ cancelled                                     RequestRefund
 *   IssueRefund:  refunded ◀── refund_requested ◀───────────────────────────────────────────────────┘
 *
 * `rejected`, `cancelled` and `refunded` are final.
 */
export type OrderStatus =
  | "awaiting_payment"
  | "paid"
  | "shipped"
  | "delivered"
  | "refund_requested"
  | "refunded"
  | "cancelled"
  | "rejected";

export const orderStatuses: readonly OrderStatus[] = [
  "awaiting_payment",
  "paid",
  "shipped",
  "delivered",
  "refund_requested",
  "refunded",
  "cancelled",
  "rejected",
];

type PlacedOrder = {
  orderId: string;
  customerId: string;
  currency: string;
  total: MinorUnits;
  lines: LineQuantity[];
};

/** A union on `status` so that, for example, only a delivered order has a delivery instant. */
export type OrderState =
  | { status: "new" }
  | { status: "rejected"; orderId: string; customerId: string; reason: OrderRejectionReason }
  | (PlacedOrder & { status: "awaiting_payment" | "paid" | "shipped" | "cancelled" })
  | (PlacedOrder & { status: "delivered" | "refund_requested" | "refunded"; deliveredAt: string });

export const initialOrderState: OrderState = { status: "new" };

export function orderStreamId(orderId: string): string {
  return `order-${orderId}`;
}

export const orderStreamPrefix = "order-";
