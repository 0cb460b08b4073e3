import type { MinorUnits } from "../shared/money";

/**
 * What the product holds. Available = onHand - reserved, never below zero: a reservation is only
 * recorded when it fits. A discontinued product keeps its stock, so the orders that hold units of it
 * are still delivered or released.
 */
export type Stock = {
  /** Units on the shelf: received, minus sold, plus returned. */
  onHand: number;
  /** Units held for orders not yet delivered or cancelled: the sum of `reservations`. */
  reserved: number;
  /** Units held per order id; an order's entry goes when it is sold or released. */
  reservations: Readonly<Record<string, number>>;
};

/** A product's state, a union on `status` so illegal combinations cannot be written. */
export type ProductState =
  | { status: "unlisted" }
  | {
      status: "active";
      productId: string;
      sku: string;
      name: string;
      price: MinorUnits;
      currency: string;
      stock: Stock;
    }
  | { status: "discontinued"; productId: string; sku: string; stock: Stock };

export function availableUnits(stock: Stock): number {
  return stock.onHand - stock.reserved;
}

export const initialProductState: ProductState = { status: "unlisted" };

export function productStreamId(productId: string): string {
  return `product-${productId}`;
}

export const productStreamPrefix = "product-";
