import {
  currentVersion,
  fromStored,
  versioned,
  type EventSchemas,
  type StoredEvent,
} from "../shared/upcasting";
import { productEventVersions, type ProductEvent } from "./events";

/** Catalog events have had one shape so far: each is at version 1 and nothing needs lifting yet. */
export const productEventUpcasters = {} as const;

/** Today's version of every product event (the number of its published versions) and its steps. */
export const productEventSchemas: EventSchemas<ProductEvent> = versioned(
  productEventVersions,
  productEventUpcasters,
);

export function productEventFromStored(stored: StoredEvent): ProductEvent {
  return fromStored(productEventSchemas, stored);
}

export function productEventSchemaVersion(event: ProductEvent): number {
  return currentVersion(productEventSchemas, event.type);
}
