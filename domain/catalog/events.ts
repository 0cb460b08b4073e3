import { eventData, field, type CurrentData, type EventVersions } from "../shared/contracts";
import type { DomainEvent } from "../shared/decider";

// Each event's data is a schema (the published contract, schema/events/catalog/); the types below
// are derived from it. See shared/contracts.ts for what may change within a version.

const productId = field.id("The product (its stream is product-<productId>).");
const currency = field.currency("The currency the product is priced in (ISO 4217).");

export const ProductAddedV1 = eventData(
  "A product was listed in the catalog with its price and first stock.",
  {
    productId,
    sku: field.text("Stock keeping unit: letters, digits, '.', '_' or '-', up to 64 characters.", {
      pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
    }),
    name: field.text("The product's name, trimmed.", { maxLength: 200 }),
    price: field.money("The unit price.", { positive: true }),
    currency,
    initialStock: field.count("Units on hand when listed."),
    addedAt: field.instant("When the product was listed."),
  },
);

export const ProductRestockedV1 = eventData("Units of a product arrived in stock.", {
  productId,
  quantity: field.count("Units received.", 1),
  restockedAt: field.instant("When the stock arrived."),
});

export const PriceChangedV1 = eventData(
  "A product's unit price changed (never recorded for the same price).",
  {
    productId,
    oldPrice: field.money("The unit price before.", { positive: true }),
    newPrice: field.money("The unit price from now on.", { positive: true }),
    currency,
    changedAt: field.instant("When the price changed."),
  },
);

export const ProductDiscontinuedV1 = eventData(
  "A product left the catalog: it can no longer be ordered or restocked.",
  {
    productId,
    discontinuedAt: field.instant("When the product was discontinued."),
  },
);

/** Every published version of every product event, oldest first (upcasters.ts lifts older ones). */
export const productEventVersions = {
  ProductAdded: [ProductAddedV1],
  ProductRestocked: [ProductRestockedV1],
  PriceChanged: [PriceChangedV1],
  ProductDiscontinued: [ProductDiscontinuedV1],
} as const satisfies EventVersions;

type Versions = typeof productEventVersions;

export type ProductAdded = DomainEvent<"ProductAdded", CurrentData<Versions, "ProductAdded">>;
export type ProductRestocked = DomainEvent<"ProductRestocked", CurrentData<Versions, "ProductRestocked">>;
export type PriceChanged = DomainEvent<"PriceChanged", CurrentData<Versions, "PriceChanged">>;
export type ProductDiscontinued = DomainEvent<
  "ProductDiscontinued",
  CurrentData<Versions, "ProductDiscontinued">
>;

export type ProductEvent = ProductAdded | ProductRestocked | PriceChanged | ProductDiscontinued;

export const productEventTypes: readonly ProductEvent["type"][] = [
  "ProductAdded",
  "ProductRestocked",
  "PriceChanged",
  "ProductDiscontinued",
];
