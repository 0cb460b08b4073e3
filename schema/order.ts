import type { OrderView } from "../readmodels/orders";
import { builder } from "./builder";
import { offsetConnection } from "./connection";
import { MoneyRef, type MoneyValue } from "./money";

export const OrderStatusEnum = builder.enumType("OrderStatus", {
  values: {
    AWAITING_STOCK: {
      value: "awaiting_stock",
      description: "Placed; the order process is asking each line's product to hold its units.",
    },
    AWAITING_PAYMENT: { value: "awaiting_payment" },
    REJECTED: { value: "rejected" },
    PAID: { value: "paid" },
    SHIPPED: { value: "shipped" },
    DELIVERED: { value: "delivered" },
    CANCELLED: { value: "cancelled" },
    REFUND_REQUESTED: { value: "refund_requested" },
    REFUNDED: { value: "refunded" },
  } as const,
});

type Line = OrderView["lines"][number] & { currency: string };

const OrderLineRef = builder.objectRef<Line>("OrderLine").implement({
  fields: (t) => ({
    productId: t.exposeID("productId"),
    sku: t.exposeString("sku", { nullable: true }),
    quantity: t.exposeInt("quantity"),
    unitPrice: t.field({
      type: MoneyRef,
      resolve: (l) => ({ minorUnits: l.unitPrice, currency: l.currency }),
    }),
    lineTotal: t.field({
      type: MoneyRef,
      resolve: (l) => ({ minorUnits: l.unitPrice * l.quantity, currency: l.currency }),
    }),
  }),
});

const StockShortageRef = builder.objectRef<OrderView["stockShortages"][number]>("StockShortage").implement({
  description:
    "A line its product could not hold when the order asked (the order was rejected out of stock).",
  fields: (t) => ({
    productId: t.exposeID("productId"),
    requested: t.exposeInt("requested", { description: "Units the line asked for." }),
    available: t.exposeInt("available", { description: "Units the product had available then." }),
    reason: t.exposeString("reason", {
      description: "insufficient_stock, discontinued or unknown_product.",
    }),
  }),
});

const AddressRef = builder
  .objectRef<NonNullable<OrderView["address"]> & { region: string | null }>("Address")
  .implement({
    fields: (t) => ({
      line1: t.exposeString("line1"),
      city: t.exposeString("city"),
      postalCode: t.exposeString("postalCode"),
      country: t.exposeString("country"),
      region: t.exposeString("region", { nullable: true }),
    }),
  });

const OrderTimelineRef = builder.objectRef<OrderView["steps"]>("OrderTimeline").implement({
  description: "When each step happened (null: not yet, or never).",
  fields: (t) => ({
    placedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.placedAt }),
    stockReservedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When every line was held on its product.",
      resolve: (s) => s.stockReservedAt,
    }),
    rejectedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.rejectedAt }),
    paidAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.paidAt }),
    lastPaymentDeclinedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (s) => s.lastPaymentDeclinedAt,
    }),
    shippedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.shippedAt }),
    deliveredAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.deliveredAt }),
    cancelledAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.cancelledAt }),
    refundRequestedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.refundRequestedAt }),
    refundDeniedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.refundDeniedAt }),
    refundedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.refundedAt }),
  }),
});

function money(order: OrderView, minorUnits: number | null): MoneyValue | null {
  return minorUnits === null || order.currency === null ? null : { minorUnits, currency: order.currency };
}

export const OrderRef = builder.objectRef<OrderView>("Order").implement({
  description: "An order as projected into Redis. Customers see their own orders only.",
  // Defence in depth, as on Account.
  authScopes: (order) => ({ staff: true, self: order.customerId }),
  fields: (t) => ({
    id: t.exposeID("orderId"),
    customerId: t.exposeID("customerId"),
    status: t.field({ type: OrderStatusEnum, resolve: (o) => o.status }),
    currency: t.exposeString("currency", { nullable: true }),
    subtotal: t.field({ type: MoneyRef, nullable: true, resolve: (o) => money(o, o.subtotal) }),
    tax: t.field({
      type: MoneyRef,
      nullable: true,
      description: "The tax owed: as in the total paid, or as a later correction recalculated it.",
      resolve: (o) => money(o, o.tax),
    }),
    taxCorrectionId: t.exposeString("taxCorrectionId", {
      nullable: true,
      description:
        'The correction that last recalculated the tax ("tax-500bp-before-2026-11-01"); null: as placed.',
    }),
    taxRecalculatedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (o) => o.taxRecalculatedAt,
    }),
    total: t.field({ type: MoneyRef, nullable: true, resolve: (o) => money(o, o.total) }),
    itemCount: t.exposeInt("itemCount"),
    lines: t.field({
      type: [OrderLineRef],
      resolve: (o) => o.lines.map((line) => ({ ...line, currency: o.currency ?? "" })),
    }),
    shippingAddress: t.field({
      type: AddressRef,
      nullable: true,
      resolve: (o) => (o.address ? { ...o.address, region: o.region } : null),
    }),
    region: t.exposeString("region", { nullable: true }),
    trackingNumber: t.exposeString("trackingNumber", { nullable: true }),
    paymentReference: t.exposeString("paymentReference", { nullable: true }),
    rejectionReason: t.exposeString("rejectionReason", { nullable: true }),
    rejectionDetail: t.exposeString("rejectionDetail", {
      nullable: true,
      description: "What was wrong, for people.",
    }),
    stockShortages: t.field({
      type: [StockShortageRef],
      description: "When rejected out of stock: each line that could not be held. Else empty.",
      resolve: (o) => o.stockShortages,
    }),
    cancelReason: t.exposeString("cancelReason", { nullable: true }),
    refundReason: t.exposeString("refundReason", { nullable: true }),
    refundDenialReason: t.exposeString("refundDenialReason", { nullable: true }),
    timeline: t.field({ type: OrderTimelineRef, resolve: (o) => o.steps }),
    revision: t.exposeInt("revision"),
    position: t.field({ type: "Position", resolve: (o) => o.position }),
    updatedAt: t.field({ type: "DateTime", resolve: (o) => o.updatedAt }),
  }),
});

export const OrderConnection = offsetConnection<OrderView>("Order", OrderRef);
