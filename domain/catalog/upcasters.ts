import { currentVersion, fromStored, type EventSchemas, type StoredEvent } from "../shared/upcasting";
import type { ProductEvent } from "./events";

/** Catalog events have had one shape so far: each is at version 1 and nothing needs lifting yet. */
export const productEventSchemas: EventSchemas<ProductEvent> = {
  ProductAdded: { version: 1 },
  ProductRestocked: { version: 1 },
  PriceChanged: { version: 1 },
  ProductDiscontinued: { version: 1 },
};

export function productEventFromStored(stored: StoredEvent): ProductEvent {
  return fromStored(productEventSchemas, stored);
}

export function productEventSchemaVersion(event: ProductEvent): number {
  return currentVersion(productEventSchemas, event.type);
}
