import type { DomainEvent } from "../shared/decider";
import type { MinorUnits } from "../shared/money";

export type ProductAdded = DomainEvent<
  "ProductAdded",
  {
    productId: string;
    sku: string;
    name: string;
    price: MinorUnits;
    currency: string;
    initialStock: number;
    addedAt: string;
  }
>;
export type ProductRestocked = DomainEvent<
  "ProductRestocked",
  { productId: string; quantity: number; restockedAt: string }
>;
export type PriceChanged = DomainEvent<
  "PriceChanged",
  { productId: string; oldPrice: MinorUnits; newPrice: MinorUnits; currency: string; changedAt: string }
>;
export type ProductDiscontinued = DomainEvent<
  "ProductDiscontinued",
  { productId: string; discontinuedAt: string }
>;

export type ProductEvent = ProductAdded | ProductRestocked | PriceChanged | ProductDiscontinued;

export const productEventTypes: readonly ProductEvent["type"][] = [
  "ProductAdded",
  "ProductRestocked",
  "PriceChanged",
  "ProductDiscontinued",
];
