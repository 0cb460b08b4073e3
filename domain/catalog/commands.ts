import type { MinorUnits } from "../shared/money";

/** Commands arrive enriched at the edge: ids and instants (ISO-8601) come in, never from a clock. */
export type AddProduct = {
  type: "AddProduct";
  productId: string;
  sku: string;
  name: string;
  price: MinorUnits;
  currency: string;
  initialStock: number;
  at: string;
};
export type RestockProduct = { type: "RestockProduct"; productId: string; quantity: number; at: string };
/** `currency` states what the price is in, so a client cannot reprice in the wrong unit. */
export type ChangePrice = {
  type: "ChangePrice";
  productId: string;
  price: MinorUnits;
  currency: string;
  at: string;
};
export type DiscontinueProduct = { type: "DiscontinueProduct"; productId: string; at: string };

export type ProductCommand = AddProduct | RestockProduct | ChangePrice | DiscontinueProduct;
