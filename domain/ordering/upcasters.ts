import type { MinorUnits } from "../shared/money";
import {
  currentVersion,
  fromStored,
  upcast,
  type DataOf,
  type EventData,
  type EventSchemas,
  type StoredEvent,
} from "../shared/upcasting";
import type { OrderEvent, OrderPlaced, ShippingAddress } from "./events";

/**
 * OrderPlaced as the first release wrote it (schema version 1): the shipping address was one line of
 * text ("street, city, postal code, country"), there was no tax region, lines had no SKU and the
 * item count was left to readers. Kept here forever: the store still holds events of this shape.
 */
export type OrderPlacedV1Data = {
  orderId: string;
  customerId: string;
  currency: string;
  lines: { productId: string; quantity: number; unitPrice: MinorUnits }[];
  subtotal: MinorUnits;
  tax: MinorUnits;
  total: MinorUnits;
  shippingAddress: string;
  placedAt: string;
};

/** Version 1 recorded no region, and guessing one would put old orders in a place they never were. */
export const UNKNOWN_REGION = "UNKNOWN";

function addressFromLine(text: string): ShippingAddress {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.length !== 4 || parts.some((part) => part === "")) {
    // Not the form the first release wrote: keep every character, in line1.
    return { line1: text.trim(), city: "", postalCode: "", country: "", region: UNKNOWN_REGION };
  }
  const [line1, city, postalCode, country] = parts as [string, string, string, string];
  return { line1, city, postalCode, country: country.toUpperCase(), region: UNKNOWN_REGION };
}

/** OrderPlaced v1 → v2: structured address, region, SKU (unknown: null) and item count. */
export function orderPlacedV1ToV2(data: EventData): EventData {
  const v1 = data as OrderPlacedV1Data;
  const v2: OrderPlaced["data"] = {
    orderId: v1.orderId,
    customerId: v1.customerId,
    currency: v1.currency,
    lines: v1.lines.map((line) => ({ ...line, sku: null })),
    subtotal: v1.subtotal,
    tax: v1.tax,
    total: v1.total,
    shippingAddress: addressFromLine(v1.shippingAddress),
    region: UNKNOWN_REGION,
    itemCount: v1.lines.reduce((count, line) => count + line.quantity, 0),
    placedAt: v1.placedAt,
  };
  return v2;
}

/** Today's version of every order event and the steps that lift older ones. */
export const orderEventSchemas: EventSchemas<OrderEvent> = {
  OrderPlaced: { version: 2, upcasters: { 1: orderPlacedV1ToV2 } },
  OrderRejected: { version: 1 },
  PaymentConfirmed: { version: 1 },
  PaymentDeclined: { version: 1 },
  OrderShipped: { version: 1 },
  OrderDelivered: { version: 1 },
  OrderCancelled: { version: 1 },
  RefundRequested: { version: 1 },
  RefundDenied: { version: 1 },
  RefundIssued: { version: 1 },
};

/** `(data, schemaVersion) → today's data` for one event type; projectors call this too. */
export function upcastOrderEvent<T extends OrderEvent["type"]>(
  type: T,
  data: unknown,
  schemaVersion: number,
): DataOf<OrderEvent, T> {
  return upcast(orderEventSchemas, type, data, schemaVersion);
}

export function orderEventFromStored(stored: StoredEvent): OrderEvent {
  return fromStored(orderEventSchemas, stored);
}

export function orderEventSchemaVersion(event: OrderEvent): number {
  return currentVersion(orderEventSchemas, event.type);
}
