import { Type, type Static } from "@sinclair/typebox";
import { eventData, field, record, type CurrentData, type EventVersions } from "../shared/contracts";
import type { DomainEvent } from "../shared/decider";

// Each event's data is a schema (the published contract, schema/events/ordering/); the types below
// are derived from it. See shared/contracts.ts for what may change within a version, and
// upcasters.ts for how older versions are read.

const orderId = field.id("The order (its stream is order-<orderId>).");
const customerId = field.id("The customer who placed the order; carried by every order event.");
const productId = field.id("The product.");
const currency = field.currency("The order's currency (ISO 4217).");

export const ShippingAddressSchema = record(
  "Where the order goes. Orders placed before OrderPlaced v2 may have empty parts (see the v1 → v2 upcaster).",
  {
    line1: field.text("Street and number.", { required: false }),
    city: field.text("City.", { required: false }),
    postalCode: field.text("Postal code.", { required: false }),
    country: field.text("Country code, upper-cased.", { required: false }),
    region: field.text('Tax region code, upper-cased: a US state as "US-CA", elsewhere the country ("DE").'),
  },
);

export const OrderLineSchema = record("One line of an order, priced from the catalog when it was placed.", {
  productId,
  sku: Type.Union([Type.String(), Type.Null()], {
    description: "The product's SKU when the order was placed; null when unknown (orders placed before v2).",
  }),
  quantity: field.count("Units ordered.", 1),
  unitPrice: field.money("Price of one unit.", { positive: true }),
});

export const LineQuantitySchema = record("Units of a product that left or came back to stock.", {
  productId,
  quantity: field.count("Units.", 1),
});

const lineQuantities = (description: string) => Type.Array(LineQuantitySchema, { minItems: 1, description });

export const StockShortageSchema = record("A line its product could not hold when the order asked.", {
  productId,
  requested: field.count("Units the line asked for.", 1),
  available: field.count("Units the product had available then."),
  reason: field.oneOf(
    ["insufficient_stock", "discontinued", "unknown_product"],
    "Why the product held nothing for the line.",
  ),
});

/**
 * Whether the products hold this order's units. True on orders placed since stock is reserved on
 * the write side: the order process reserves, releases and sells them on the product streams.
 * Absent on orders placed before: inventory views count their units from the order's own events.
 */
const stockOnProducts = Type.Optional(
  Type.Boolean({
    description:
      "True: the products hold this order's units (the order process reserves, releases and sells them on the product streams). Absent on orders placed before stock was reserved on the write side; their units are counted from the order's own events.",
  }),
);

export const OrderRejectionReasonSchema = field.oneOf(
  [
    "no_lines",
    "invalid_quantity",
    "invalid_unit_price",
    "duplicate_product",
    "currency_mismatch",
    "amount_too_large",
    "out_of_stock",
  ],
  "Why the order was rejected: a problem with the order as placed, or (out_of_stock) a line its product could not hold.",
);
export const PaymentDeclineReasonSchema = field.oneOf(
  ["amount_mismatch", "currency_mismatch"],
  "Why the payment was declined.",
);
export const RefundDenialReasonSchema = field.oneOf(
  ["not_delivered", "refund_window_passed"],
  "Why the refund was denied: the order was not delivered, or the refund window (30 days after delivery) has passed.",
);

export type ShippingAddress = Static<typeof ShippingAddressSchema>;
export type OrderLine = Static<typeof OrderLineSchema>;
/** What left or came back to stock, so inventory views need no memory of the placed lines. */
export type LineQuantity = Static<typeof LineQuantitySchema>;
export type StockShortage = Static<typeof StockShortageSchema>;
export type OrderRejectionReason = Static<typeof OrderRejectionReasonSchema>;
export type PaymentDeclineReason = Static<typeof PaymentDeclineReasonSchema>;
export type RefundDenialReason = Static<typeof RefundDenialReasonSchema>;

/**
 * OrderPlaced as the first release wrote it (schema version 1): the shipping address was one line of
 * text ("street, city, postal code, country"), there was no tax region, lines had no SKU and the
 * item count was left to readers. Kept forever: the store still holds events of this shape.
 */
export const OrderPlacedV1 = eventData(
  "An order was placed (first shape: the address as one line of text).",
  {
    orderId,
    customerId,
    currency,
    lines: Type.Array(
      record("One line of the order.", {
        productId,
        quantity: field.count("Units ordered.", 1),
        unitPrice: field.money("Price of one unit.", { positive: true }),
      }),
      { minItems: 1, description: "What was ordered." },
    ),
    subtotal: field.money("Sum of quantity × unit price over the lines."),
    tax: field.money("Tax on the subtotal."),
    total: field.money("Subtotal plus tax: what the customer pays."),
    shippingAddress: field.text('The address as one line: "street, city, postal code, country".', {
      required: false,
    }),
    placedAt: field.instant("When the order was placed."),
  },
);

export const OrderPlacedV2 = eventData(
  "An order was placed and priced; it waits for its stock to be reserved (stockOnProducts), then for payment.",
  {
    orderId,
    customerId,
    currency,
    lines: Type.Array(OrderLineSchema, {
      minItems: 1,
      description: "What was ordered, one line per product.",
    }),
    subtotal: field.money("Sum of quantity × unit price over the lines."),
    tax: field.money("Tax on the subtotal, at the region's rate, rounded half-up once per order."),
    total: field.money("Subtotal plus tax: what the customer pays."),
    shippingAddress: ShippingAddressSchema,
    region: field.text('The tax region (the address\'s region); "UNKNOWN" for orders placed before v2.'),
    itemCount: field.count("Units over all lines."),
    placedAt: field.instant("When the order was placed."),
    stockOnProducts,
  },
);

export const OrderRejectedV1 = eventData(
  "An order was refused: as placed (no lines, a bad quantity or price, ...), or because a line's product could not hold its units (out_of_stock, after it was placed). It holds no stock.",
  {
    orderId,
    customerId,
    reason: OrderRejectionReasonSchema,
    detail: field.text("What was wrong, for people."),
    shortages: Type.Optional(
      Type.Array(StockShortageSchema, {
        minItems: 1,
        description: "With out_of_stock: each line that could not be held, and what was available.",
      }),
    ),
    rejectedAt: field.instant("When the order was rejected."),
  },
);

export const OrderStockReservedV1 = eventData(
  "Every line of the order is held on its product; the order now awaits payment.",
  {
    orderId,
    customerId,
    reservedAt: field.instant("When the last line was reserved."),
  },
);

export const PaymentConfirmedV1 = eventData("The order was paid in full.", {
  orderId,
  customerId,
  amount: field.money("The amount paid: the order's total.", { positive: true }),
  currency,
  paymentReference: field.text("The payment provider's reference."),
  confirmedAt: field.instant("When the payment was confirmed."),
  tax: Type.Optional(
    field.money(
      "The tax included in the amount (the order's tax, as recalculated so far). Absent on payments recorded before tax was reported apart.",
    ),
  ),
});

export const PaymentDeclinedV1 = eventData(
  "A payment did not match the order; the order stays awaiting payment.",
  {
    orderId,
    customerId,
    amount: field.money("The amount offered.", { positive: true }),
    currency: field.currency("The currency of the amount offered."),
    expectedAmount: field.money("The order's total."),
    expectedCurrency: field.currency("The order's currency."),
    paymentReference: field.text("The payment provider's reference."),
    reason: PaymentDeclineReasonSchema,
    declinedAt: field.instant("When the payment was declined."),
  },
);

export const OrderShippedV1 = eventData("The order left the warehouse.", {
  orderId,
  customerId,
  trackingNumber: field.text("The carrier's tracking number, trimmed."),
  shippedAt: field.instant("When the order was shipped."),
});

export const OrderDeliveredV1 = eventData("The order reached the customer; its units are sold.", {
  orderId,
  customerId,
  lines: lineQuantities("The units delivered, per product."),
  deliveredAt: field.instant("When the order was delivered."),
  stockOnProducts,
});

export const OrderCancelledV1 = eventData(
  "The order was cancelled before shipping; its units go back to stock and a paid amount is owed back.",
  {
    orderId,
    customerId,
    reason: field.text("Why the order was cancelled."),
    lines: lineQuantities("The units released back to stock, per product."),
    amountPaid: field.money(
      "The total when the order was paid before cancelling, else 0: the money owed back.",
    ),
    currency,
    cancelledAt: field.instant("When the order was cancelled."),
    stockOnProducts,
    taxPaid: Type.Optional(
      field.money("With amountPaid: the tax included in it. Absent before tax was reported apart."),
    ),
  },
);

export const RefundRequestedV1 = eventData(
  "The customer asked for a refund of a delivered order, within the window.",
  {
    orderId,
    customerId,
    reason: field.text("What the customer gave as the reason."),
    requestedAt: field.instant("When the refund was requested."),
  },
);

export const RefundDeniedV1 = eventData("A refund request was refused; the order's status stays.", {
  orderId,
  customerId,
  reason: RefundDenialReasonSchema,
  requestReason: field.text("What the customer gave as the reason."),
  deniedAt: field.instant("When the refund was denied."),
});

export const RefundIssuedV1 = eventData("The order's total was paid back to the customer.", {
  orderId,
  customerId,
  amount: field.money("The amount refunded: the order's total.", { positive: true }),
  currency,
  issuedAt: field.instant("When the refund was issued."),
  tax: Type.Optional(
    field.money(
      "The tax included in the amount refunded. Absent on refunds recorded before tax was reported apart.",
    ),
  ),
});

export const OrderTaxRecalculatedV1 = eventData(
  "A paid order's tax was recalculated under a rule applied after the fact (a retroactive correction). The customer paid what they paid; the tax owed on it changed.",
  {
    orderId,
    customerId,
    currency,
    correctionId: field.text("The correction that applied the rule (one id per run of the rule)."),
    rateBps: field.count("The rate applied, in basis points (1 bp = 0.01 %)."),
    previousTax: field.money("The order's tax before."),
    tax: field.money("The order's tax from now on: the subtotal at the rate, rounded half-up once."),
    paidAt: field.instant("When the order was paid: the day the tax belongs to."),
    recalculatedAt: field.instant("When the correction was applied."),
  },
);

/** Every published version of every order event, oldest first (upcasters.ts lifts older ones). */
export const orderEventVersions = {
  OrderPlaced: [OrderPlacedV1, OrderPlacedV2],
  OrderRejected: [OrderRejectedV1],
  OrderStockReserved: [OrderStockReservedV1],
  PaymentConfirmed: [PaymentConfirmedV1],
  PaymentDeclined: [PaymentDeclinedV1],
  OrderShipped: [OrderShippedV1],
  OrderDelivered: [OrderDeliveredV1],
  OrderCancelled: [OrderCancelledV1],
  RefundRequested: [RefundRequestedV1],
  RefundDenied: [RefundDeniedV1],
  RefundIssued: [RefundIssuedV1],
  OrderTaxRecalculated: [OrderTaxRecalculatedV1],
} as const satisfies EventVersions;

type Versions = typeof orderEventVersions;

/** Schema version 2 (see upcasters.ts for version 1). `customerId` rides on every order event. */
export type OrderPlaced = DomainEvent<"OrderPlaced", CurrentData<Versions, "OrderPlaced">>;
export type OrderRejected = DomainEvent<"OrderRejected", CurrentData<Versions, "OrderRejected">>;
export type OrderStockReserved = DomainEvent<
  "OrderStockReserved",
  CurrentData<Versions, "OrderStockReserved">
>;
export type PaymentConfirmed = DomainEvent<"PaymentConfirmed", CurrentData<Versions, "PaymentConfirmed">>;
/** The order stays awaiting payment. */
export type PaymentDeclined = DomainEvent<"PaymentDeclined", CurrentData<Versions, "PaymentDeclined">>;
export type OrderShipped = DomainEvent<"OrderShipped", CurrentData<Versions, "OrderShipped">>;
export type OrderDelivered = DomainEvent<"OrderDelivered", CurrentData<Versions, "OrderDelivered">>;
/** `amountPaid` is the total when the order was paid before cancelling, else 0: the money owed back. */
export type OrderCancelled = DomainEvent<"OrderCancelled", CurrentData<Versions, "OrderCancelled">>;
export type RefundRequested = DomainEvent<"RefundRequested", CurrentData<Versions, "RefundRequested">>;
/** `reason` says why it was denied; `requestReason` is what the customer gave. The status stays. */
export type RefundDenied = DomainEvent<"RefundDenied", CurrentData<Versions, "RefundDenied">>;
export type RefundIssued = DomainEvent<"RefundIssued", CurrentData<Versions, "RefundIssued">>;
export type OrderTaxRecalculated = DomainEvent<
  "OrderTaxRecalculated",
  CurrentData<Versions, "OrderTaxRecalculated">
>;

export type OrderEvent =
  | OrderPlaced
  | OrderRejected
  | OrderStockReserved
  | PaymentConfirmed
  | PaymentDeclined
  | OrderShipped
  | OrderDelivered
  | OrderCancelled
  | RefundRequested
  | RefundDenied
  | RefundIssued
  | OrderTaxRecalculated;

export const orderEventTypes: readonly OrderEvent["type"][] = [
  "OrderPlaced",
  "OrderRejected",
  "OrderStockReserved",
  "PaymentConfirmed",
  "PaymentDeclined",
  "OrderShipped",
  "OrderDelivered",
  "OrderCancelled",
  "RefundRequested",
  "RefundDenied",
  "RefundIssued",
  "OrderTaxRecalculated",
];
