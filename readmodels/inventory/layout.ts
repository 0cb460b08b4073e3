import { hashCodec, integer, oneOf, optionalInteger, optionalText, text } from "../codec";

export const inventoryName = "inventory";

export const inventoryHistoryLength = 100;

/** A product's hash, as the inventory projection writes it. */
export interface StoredStock {
  readonly productId: string;
  readonly sku: string | null;
  readonly name: string | null;
  /** Minor units. */
  readonly price: number | null;
  readonly currency: string | null;
  readonly status: "active" | "discontinued" | "unknown";
  readonly onHand: number;
  /** In orders placed, not yet delivered or cancelled. */
  readonly reserved: number;
  readonly sold: number;
  readonly position: string;
  readonly updatedAt: string;
}

export interface InventoryView extends StoredStock {
  /** On hand minus reserved. */
  readonly available: number;
}

export const stockLayout = hashCodec<StoredStock>({
  productId: text,
  sku: optionalText,
  name: optionalText,
  price: optionalInteger,
  currency: optionalText,
  status: oneOf(["active", "discontinued", "unknown"], "unknown"),
  onHand: integer(),
  reserved: integer(),
  sold: integer(),
  position: text,
  updatedAt: text,
});

/** The view from its hash; null when no product was ever projected there. */
export function inventoryFromHash(
  productId: string,
  hash: Readonly<Record<string, string>>,
): InventoryView | null {
  if (!hash.productId) return null;
  const stored = stockLayout.decode(hash);
  return { ...stored, productId, available: stored.onHand - stored.reserved };
}
