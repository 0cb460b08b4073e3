import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";
import { readViewHistory, type ViewChange } from "./view-history";
import { readHashes } from "./hashes";

export const inventoryHistoryLength = 100;

export interface InventoryView {
  readonly productId: string;
  readonly sku: string | null;
  readonly name: string | null;
  readonly price: number | null;
  readonly currency: string | null;
  readonly status: "active" | "discontinued" | "unknown";
  readonly onHand: number;
  readonly reserved: number;
  readonly sold: number;
  readonly available: number;
  readonly position: string;
  readonly updatedAt: string;
}

export function inventoryFromHash(productId: string, h: Record<string, string>): InventoryView | null {
  if (!h.productId) return null;
  const onHand = Number(h.onHand ?? 0);
  const reserved = Number(h.reserved ?? 0);
  return {
    productId,
    sku: h.sku || null,
    name: h.name || null,
    price: h.price ? Number(h.price) : null,
    currency: h.currency || null,
    status: h.status === "active" || h.status === "discontinued" ? h.status : "unknown",
    onHand,
    reserved,
    sold: Number(h.sold ?? 0),
    available: onHand - reserved,
    position: h.position ?? "",
    updatedAt: h.updatedAt ?? "",
  };
}

export class InventoryReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  async get(productId: string): Promise<InventoryView | null> {
    return inventoryFromHash(productId, await this.redis.hgetall(this.keys.inventory(productId)));
  }

  async getMany(productIds: readonly string[]): Promise<InventoryView[]> {
    const hashes = await readHashes(this.redis, productIds.map(this.keys.inventory));
    return productIds.flatMap((id, i) => inventoryFromHash(id, hashes[i]!) ?? []);
  }

  /** Products with at most `threshold` units available, fewest first. */
  async lowStock(threshold: number, limit: number): Promise<InventoryView[]> {
    const ids = await this.redis.zrangebyscore(
      this.keys.inventoryAvailable(),
      "-inf",
      threshold,
      "LIMIT",
      0,
      limit,
    );
    return this.getMany(ids);
  }

  /** Every product id known to the inventory, by available units. */
  async productIds(offset: number, limit: number): Promise<{ ids: string[]; total: number }> {
    const key = this.keys.inventoryAvailable();
    const [ids, total] = await Promise.all([
      this.redis.zrange(key, offset, offset + limit - 1),
      this.redis.zcard(key),
    ]);
    return { ids, total };
  }

  changesSince(
    productId: string,
    since: string,
  ): Promise<{ changes: ViewChange<InventoryView>[]; complete: boolean }> {
    return readViewHistory(
      this.redis,
      this.keys.inventoryHistory(productId),
      since,
      inventoryHistoryLength,
      (hash) => inventoryFromHash(productId, hash),
    );
  }
}
