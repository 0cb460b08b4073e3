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

// Stock held for orders. The product owns what is available (on hand minus reserved): the order
// process reserves each line here, and only here, so two orders can never take the same unit.
const orderId = field.id("The order the units are held for, or came from.");

export const StockReservedV1 = eventData("Units were set aside for an order; they are no longer available.", {
  productId,
  orderId,
  quantity: field.count("Units reserved.", 1),
  available: field.count("Units still available after this reservation."),
  reservedAt: field.instant("When the units were reserved."),
});

export const StockReservationRefusedV1 = eventData(
  "An order asked for more units than were available (or for a discontinued product); nothing was reserved.",
  {
    productId,
    orderId,
    requested: field.count("Units the order asked for.", 1),
    available: field.count("Units available when it asked."),
    reason: field.oneOf(["insufficient_stock", "discontinued"], "Why nothing was reserved."),
    refusedAt: field.instant("When the reservation was refused."),
  },
);

export const StockReleasedV1 = eventData(
  "An order's reserved units became available again (the order was cancelled, or rejected for another line).",
  {
    productId,
    orderId,
    quantity: field.count("Units released.", 1),
    releasedAt: field.instant("When the units were released."),
  },
);

export const StockSoldV1 = eventData(
  "An order's reserved units were delivered: they left the stock for good.",
  {
    productId,
    orderId,
    quantity: field.count("Units sold.", 1),
    soldAt: field.instant("When the units were delivered."),
  },
);

export const StockReturnedV1 = eventData("Units of a refunded order came back and can be sold again.", {
  productId,
  orderId,
  quantity: field.count("Units returned.", 1),
  returnedAt: field.instant("When the units came back."),
});

/** Every published version of every product event, oldest first (upcasters.ts lifts older ones). */
export const productEventVersions = {
  ProductAdded: [ProductAddedV1],
  ProductRestocked: [ProductRestockedV1],
  PriceChanged: [PriceChangedV1],
  ProductDiscontinued: [ProductDiscontinuedV1],
  StockReserved: [StockReservedV1],
  StockReservationRefused: [StockReservationRefusedV1],
  StockReleased: [StockReleasedV1],
  StockSold: [StockSoldV1],
  StockReturned: [StockReturnedV1],
} as const satisfies EventVersions;

type Versions = typeof productEventVersions;

export type ProductAdded = DomainEvent<"ProductAdded", CurrentData<Versions, "ProductAdded">>;
export type ProductRestocked = DomainEvent<"ProductRestocked", CurrentData<Versions, "ProductRestocked">>;
export type PriceChanged = DomainEvent<"PriceChanged", CurrentData<Versions, "PriceChanged">>;
export type ProductDiscontinued = DomainEvent<
  "ProductDiscontinued",
  CurrentData<Versions, "ProductDiscontinued">
>;

export type StockReserved = DomainEvent<"StockReserved", CurrentData<Versions, "StockReserved">>;
export type StockReservationRefused = DomainEvent<
  "StockReservationRefused",
  CurrentData<Versions, "StockReservationRefused">
>;
export type StockReleased = DomainEvent<"StockReleased", CurrentData<Versions, "StockReleased">>;
export type StockSold = DomainEvent<"StockSold", CurrentData<Versions, "StockSold">>;
export type StockReturned = DomainEvent<"StockReturned", CurrentData<Versions, "StockReturned">>;

export type ProductEvent =
  | ProductAdded
  | ProductRestocked
  | PriceChanged
  | ProductDiscontinued
  | StockReserved
  | StockReservationRefused
  | StockReleased
  | StockSold
  | StockReturned;

export const productEventTypes: readonly ProductEvent["type"][] = [
  "ProductAdded",
  "ProductRestocked",
  "PriceChanged",
  "ProductDiscontinued",
  "StockReserved",
  "StockReservationRefused",
  "StockReleased",
  "StockSold",
  "StockReturned",
];
