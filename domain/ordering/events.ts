import type { DomainEvent } from "../shared/decider";
import type { MinorUnits } from "../shared/money";
import type { ShippingAddress } from "./commands";

export type { ShippingAddress };

export type OrderLine = { productId: string; sku: string | null; quantity: number; unitPrice: MinorUnits };
/** What left or came back to stock, so inventory views need no memory of the placed lines. */
export type LineQuantity = { productId: string; quantity: number };

export type OrderRejectionReason =
  | "no_lines"
  | "invalid_quantity"
  | "invalid_unit_price"
  | "duplicate_product"
  | "currency_mismatch"
  | "amount_too_large";
export type PaymentDeclineReason = "amount_mismatch" | "currency_mismatch";
export type RefundDenialReason = "not_delivered" | "refund_window_passed";

/** Schema version 2 (see upcasters.ts for version 1). `customerId` rides on every order event. */
export type OrderPlaced = DomainEvent<
  "OrderPlaced",
  {
    orderId: string;
    customerId: string;
    currency: string;
    lines: OrderLine[];
    subtotal: MinorUnits;
    tax: MinorUnits;
    total: MinorUnits;
    shippingAddress: ShippingAddress;
    region: string;
    itemCount: number;
    placedAt: string;
  }
>;
export type OrderRejected = DomainEvent<
  "OrderRejected",
  { orderId: string; customerId: string; reason: OrderRejectionReason; detail: string; rejectedAt: string }
>;
export type PaymentConfirmed = DomainEvent<
  "PaymentConfirmed",
  {
    orderId: string;
    customerId: string;
    amount: MinorUnits;
    currency: string;
    paymentReference: string;
    confirmedAt: string;
  }
>;
/** The order stays awaiting payment. */
export type PaymentDeclined = DomainEvent<
  "PaymentDeclined",
  {
    orderId: string;
    customerId: string;
    amount: MinorUnits;
    currency: string;
    expectedAmount: MinorUnits;
    expectedCurrency: string;
    paymentReference: string;
    reason: PaymentDeclineReason;
    declinedAt: string;
  }
>;
export type OrderShipped = DomainEvent<
  "OrderShipped",
  { orderId: string; customerId: string; trackingNumber: string; shippedAt: string }
>;
export type OrderDelivered = DomainEvent<
  "OrderDelivered",
  { orderId: string; customerId: string; lines: LineQuantity[]; deliveredAt: string }
>;
/** `amountPaid` is the total when the order was paid before cancelling, else 0: the money owed back. */
export type OrderCancelled = DomainEvent<
  "OrderCancelled",
  {
    orderId: string;
    customerId: string;
    reason: string;
    lines: LineQuantity[];
    amountPaid: MinorUnits;
    currency: string;
    cancelledAt: string;
  }
>;
export type RefundRequested = DomainEvent<
  "RefundRequested",
  { orderId: string; customerId: string; reason: string; requestedAt: string }
>;
/** `reason` says why it was denied; `requestReason` is what the customer gave. The status stays. */
export type RefundDenied = DomainEvent<
  "RefundDenied",
  { orderId: string; customerId: string; reason: RefundDenialReason; requestReason: string; deniedAt: string }
>;
export type RefundIssued = DomainEvent<
  "RefundIssued",
  { orderId: string; customerId: string; amount: MinorUnits; currency: string; issuedAt: string }
>;

export type OrderEvent =
  | OrderPlaced
  | OrderRejected
  | PaymentConfirmed
  | PaymentDeclined
  | OrderShipped
  | OrderDelivered
  | OrderCancelled
  | RefundRequested
  | RefundDenied
  | RefundIssued;

export const orderEventTypes: readonly OrderEvent["type"][] = [
  "OrderPlaced",
  "OrderRejected",
  "PaymentConfirmed",
  "PaymentDeclined",
  "OrderShipped",
  "OrderDelivered",
  "OrderCancelled",
  "RefundRequested",
  "RefundDenied",
  "RefundIssued",
];
