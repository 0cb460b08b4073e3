import { hashCodec, integer, json, oneOf, optionalInteger, optionalText, presentText, text } from "../codec";

export const ordersName = "orders";

/** Changes kept per order (and per customer) for subscribers that reconnect with `since`. */
export const orderHistoryLength = 100;

/** Changes of all orders kept for live boards that reconnect with `since`. */
export const allOrdersHistoryLength = 1_000;

export const orderStatuses = [
  "awaiting_stock",
  "awaiting_payment",
  "rejected",
  "paid",
  "shipped",
  "delivered",
  "cancelled",
  "refund_requested",
  "refunded",
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const orderSteps = [
  "placedAt",
  "stockReservedAt",
  "rejectedAt",
  "paidAt",
  "lastPaymentDeclinedAt",
  "shippedAt",
  "deliveredAt",
  "cancelledAt",
  "refundRequestedAt",
  "refundDeniedAt",
  "refundedAt",
] as const;
export type OrderStep = (typeof orderSteps)[number];

export type OrderLine = { productId: string; sku: string | null; quantity: number; unitPrice: number };
/** A line its product could not hold (an order rejected out_of_stock). */
export type StockShortage = {
  productId: string;
  requested: number;
  available: number;
  reason: "insufficient_stock" | "discontinued" | "unknown_product";
};

/** The order hash, field by field: what the projection writes and the reader reads. */
export type StoredOrder = {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus | "";
  readonly currency: string | null;
  readonly subtotal: number | null;
  readonly tax: number | null;
  readonly total: number | null;
  readonly itemCount: number;
  readonly lines: OrderLine[];
  readonly taxCorrectionId: string | null;
  readonly taxRecalculatedAt: string | null;
  readonly line1: string | null;
  readonly city: string;
  readonly postalCode: string;
  readonly country: string;
  readonly region: string | null;
  readonly trackingNumber: string | null;
  readonly paymentReference: string | null;
  readonly rejectionReason: string | null;
  readonly rejectionDetail: string | null;
  readonly stockShortages: StockShortage[];
  readonly lastPaymentDeclineReason: string | null;
  readonly cancelReason: string | null;
  readonly refundReason: string | null;
  readonly refundDenialReason: string | null;
  readonly revision: number;
  readonly position: string;
  readonly updatedAt: string;
} & { readonly [S in OrderStep]: string | null };

export const orderLayout = hashCodec<StoredOrder>({
  orderId: text,
  customerId: text,
  status: oneOf<OrderStatus | "">(["", ...orderStatuses], ""),
  currency: optionalText,
  subtotal: optionalInteger,
  tax: optionalInteger,
  total: optionalInteger,
  itemCount: integer(),
  lines: json<OrderLine[]>([]),
  taxCorrectionId: optionalText,
  taxRecalculatedAt: optionalText,
  line1: presentText,
  city: text,
  postalCode: text,
  country: text,
  region: optionalText,
  trackingNumber: optionalText,
  paymentReference: optionalText,
  rejectionReason: optionalText,
  rejectionDetail: optionalText,
  stockShortages: json<StockShortage[]>([]),
  lastPaymentDeclineReason: optionalText,
  cancelReason: optionalText,
  refundReason: optionalText,
  refundDenialReason: optionalText,
  revision: integer(-1),
  position: text,
  updatedAt: text,
  ...(Object.fromEntries(orderSteps.map((step) => [step, optionalText])) as {
    [S in OrderStep]: typeof optionalText;
  }),
});

export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly currency: string | null;
  readonly subtotal: number | null;
  /** The tax owed: as paid, or as the last correction recalculated it. */
  readonly tax: number | null;
  readonly total: number | null;
  readonly itemCount: number;
  readonly lines: OrderLine[];
  /** The correction that last recalculated the tax, and when (null: the tax is as placed). */
  readonly taxCorrectionId: string | null;
  readonly taxRecalculatedAt: string | null;
  readonly address: { line1: string; city: string; postalCode: string; country: string } | null;
  readonly region: string | null;
  readonly trackingNumber: string | null;
  readonly paymentReference: string | null;
  readonly rejectionReason: string | null;
  /** What was wrong, for people (every rejection says it). */
  readonly rejectionDetail: string | null;
  /** Each line that could not be held, when it was rejected out_of_stock; else empty. */
  readonly stockShortages: StockShortage[];
  readonly cancelReason: string | null;
  readonly refundReason: string | null;
  readonly refundDenialReason: string | null;
  readonly steps: Readonly<Record<OrderStep, string | null>>;
  readonly revision: number;
  readonly position: string;
  readonly updatedAt: string;
}

/** The view from its hash; null when no order was ever projected there. */
export function orderFromHash(orderId: string, hash: Readonly<Record<string, string>>): OrderView | null {
  const o = orderLayout.decode(hash);
  if (o.status === "") return null;
  return {
    orderId,
    customerId: o.customerId,
    status: o.status,
    currency: o.currency,
    subtotal: o.subtotal,
    tax: o.tax,
    total: o.total,
    itemCount: o.itemCount,
    lines: o.lines,
    taxCorrectionId: o.taxCorrectionId,
    taxRecalculatedAt: o.taxRecalculatedAt,
    address:
      o.line1 === null
        ? null
        : { line1: o.line1, city: o.city, postalCode: o.postalCode, country: o.country },
    region: o.region,
    trackingNumber: o.trackingNumber,
    paymentReference: o.paymentReference,
    rejectionReason: o.rejectionReason,
    rejectionDetail: o.rejectionDetail,
    stockShortages: o.stockShortages,
    cancelReason: o.cancelReason,
    refundReason: o.refundReason,
    refundDenialReason: o.refundDenialReason,
    steps: Object.fromEntries(orderSteps.map((step) => [step, o[step]])) as Record<OrderStep, string | null>,
    revision: o.revision,
    position: o.position,
    updatedAt: o.updatedAt,
  };
}
