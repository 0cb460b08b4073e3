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

/** Sent by the order process for one line of an order; at most one reservation per order. */
export type ReserveStock = {
  type: "ReserveStock";
  productId: string;
  orderId: string;
  quantity: number;
  at: string;
};
/** Gives back what an order holds (nothing when it holds nothing). */
export type ReleaseStock = { type: "ReleaseStock"; productId: string; orderId: string; at: string };
/** Turns what an order holds into sold units (nothing when it holds nothing). */
export type SellReservedStock = { type: "SellReservedStock"; productId: string; orderId: string; at: string };
/** Units of a refunded order back on the shelf. */
export type ReturnStock = {
  type: "ReturnStock";
  productId: string;
  orderId: string;
  quantity: number;
  at: string;
};

export type ProductCommand =
  | AddProduct
  | RestockProduct
  | ChangePrice
  | DiscontinueProduct
  | ReserveStock
  | ReleaseStock
  | SellReservedStock
  | ReturnStock;
