import type { MinorUnits } from "../shared/money";
import type { ShippingAddress, StockShortage } from "./events";

/** A line as the edge prices it from the catalog (the decider never reads a read model). */
export type OrderLineInput = {
  productId: string;
  sku?: string;
  quantity: number;
  unitPrice: MinorUnits;
  /** The currency the catalog prices the product in; when given it must be the order's. */
  currency?: string;
};

// The address a PlaceOrder carries is the one OrderPlaced records: its type comes from that event's
// schema (events.ts). `region` is a tax region code such as "US-CA" or "DE" (see tax.ts), upper-cased.
export type { ShippingAddress };

/** Commands arrive enriched at the edge: ids and instants (ISO-8601) come in, never from a clock. */
export type PlaceOrder = {
  type: "PlaceOrder";
  orderId: string;
  customerId: string;
  currency: string;
  lines: OrderLineInput[];
  shippingAddress: ShippingAddress;
  at: string;
};
export type ConfirmPayment = {
  type: "ConfirmPayment";
  orderId: string;
  amount: MinorUnits;
  currency: string;
  paymentReference: string;
  at: string;
};
export type ShipOrder = { type: "ShipOrder"; orderId: string; trackingNumber: string; at: string };
export type DeliverOrder = { type: "DeliverOrder"; orderId: string; at: string };
export type CancelOrder = { type: "CancelOrder"; orderId: string; reason: string; at: string };
export type RequestRefund = { type: "RequestRefund"; orderId: string; reason: string; at: string };
export type IssueRefund = { type: "IssueRefund"; orderId: string; at: string };

/** From the order process: every line is held on its product. */
export type ConfirmStock = { type: "ConfirmStock"; orderId: string; at: string };
/** From the order process: some line could not be held (what it took is released first). */
export type RejectForStock = {
  type: "RejectForStock";
  orderId: string;
  shortages: StockShortage[];
  at: string;
};

/** A new tax rule applied to a paid order after the fact (see the tax correction job). */
export type RecalculateTax = {
  type: "RecalculateTax";
  orderId: string;
  /** The rate, in basis points (500 = 5 %). */
  rateBps: number;
  correctionId: string;
  at: string;
};

export type OrderCommand =
  | PlaceOrder
  | ConfirmStock
  | RejectForStock
  | ConfirmPayment
  | ShipOrder
  | DeliverOrder
  | CancelOrder
  | RequestRefund
  | IssueRefund
  | RecalculateTax;
