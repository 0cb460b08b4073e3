import type { Static } from "@sinclair/typebox";
import {
  currentVersion,
  fromStored,
  upcast,
  versioned,
  type DataOf,
  type EventData,
  type EventSchemas,
  type StoredEvent,
} from "../shared/upcasting";
import {
  orderEventVersions,
  type OrderEvent,
  type OrderPlaced,
  type OrderPlacedV1,
  type ShippingAddress,
} from "./events";

/** OrderPlaced as the first release wrote it (schema version 1; its schema is in events.ts). */
export type OrderPlacedV1Data = Static<typeof OrderPlacedV1>;

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

/** The steps that lift older versions of order events, one per published version below today's. */
export const orderEventUpcasters = { OrderPlaced: { 1: orderPlacedV1ToV2 } } as const;

/** Today's version of every order event (the number of its published versions) and its steps. */
export const orderEventSchemas: EventSchemas<OrderEvent> = versioned(orderEventVersions, orderEventUpcasters);

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
