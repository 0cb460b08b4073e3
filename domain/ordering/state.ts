import type { MinorUnits } from "../shared/money";
import type { LineQuantity, OrderRejectionReason } from "./events";

/**
 * The order lifecycle (every other move is refused, see transitions.ts):
 *
 *   PlaceOrder ──▶ awaiting_stock ─ConfirmStock─▶ awaiting_payment ─ConfirmPayment─▶ paid ─ShipOrder─▶ shipped
 *        │               └─RejectForStock─▶ rejected   (PaymentDeclined stays)                        │
 *        └──────▶ rejected (as placed)                                                     DeliverOrder
 *   CancelOrder:  awaiting_stock | awaiting_payment | paid ──▶ cancelled                              ▼
 *   IssueRefund:  refunded ◀── refund_requested ◀──RequestRefund── delivered ◀────────────────────────┘
 *
 * `rejected`, `cancelled` and `refunded` are final. ConfirmStock and RejectForStock come from the
 * order process (jobs/), once it has asked each line's product to hold its units. Orders placed
 * before stock was held on the products start at awaiting_payment.
 */
export type OrderStatus =
  | "awaiting_stock"
  | "awaiting_payment"
  | "paid"
  | "shipped"
  | "delivered"
  | "refund_requested"
  | "refunded"
  | "cancelled"
  | "rejected";

export const orderStatuses: readonly OrderStatus[] = [
  "awaiting_stock",
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
  subtotal: MinorUnits;
  /** The tax in the total, as recalculated by corrections since. */
  tax: MinorUnits;
  /** When it was paid (null: not yet); the day its tax belongs to. */
  paidAt: string | null;
  lines: LineQuantity[];
  /** The products hold this order's units (see OrderPlaced's `stockOnProducts`). */
  stockOnProducts: boolean;
};

/** A union on `status` so that, for example, only a delivered order has a delivery instant. */
export type OrderState =
  | { status: "new" }
  | { status: "rejected"; orderId: string; customerId: string; reason: OrderRejectionReason }
  | (PlacedOrder & { status: "awaiting_stock" | "awaiting_payment" | "paid" | "shipped" | "cancelled" })
  | (PlacedOrder & { status: "delivered" | "refund_requested" | "refunded"; deliveredAt: string });

export const initialOrderState: OrderState = { status: "new" };

export function orderStreamId(orderId: string): string {
  return `order-${orderId}`;
}

export const orderStreamPrefix = "order-";
