import type { MinorUnits } from "../shared/money";

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
      /**
       * Units ever received (initial stock + restocks). Sales belong to ordering, so on-hand stock is
       * a read model; the aggregate keeps this only to refuse a restock that would overflow.
       */
      stockReceived: number;
    }
  | { status: "discontinued"; productId: string; sku: string };

export const initialProductState: ProductState = { status: "unlisted" };

export function productStreamId(productId: string): string {
  return `product-${productId}`;
}

export const productStreamPrefix = "product-";
