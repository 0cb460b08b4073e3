import type { MinorUnits } from "../shared/money";

/** A line as the edge prices it from the catalog (the decider never reads a read model). */
export type OrderLineInput = {
  productId: string;
  sku?: string;
  quantity: number;
  unitPrice: MinorUnits;
  /** The currency the catalog prices the product in; when given it must be the order's. */
  currency?: string;
};

export type ShippingAddress = {
  line1: string;
  city: string;
  postalCode: string;
  country: string;
  /** Tax region code such as "US-CA" or "DE" (see tax.ts); stored upper-cased. */
  region: string;
};

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

export type OrderCommand =
  PlaceOrder | ConfirmPayment | ShipOrder | DeliverOrder | CancelOrder | RequestRefund | IssueRefund;
