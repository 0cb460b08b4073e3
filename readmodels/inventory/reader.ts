import type { Redis } from "ioredis";
import { readHashes } from "../hashes";
import type { ReadModelKeys } from "../keys";
import type { LiveSource } from "../view";
import { readViewHistory, type ViewChange } from "../view-history";
import { inventoryFromHash, inventoryHistoryLength, type InventoryView } from "./layout";

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
    const key = this.keys.inventoryAvailable();
    return this.getMany(await this.redis.zrangebyscore(key, "-inf", threshold, "LIMIT", 0, limit));
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
    const key = this.keys.inventoryHistory(productId);
    return readViewHistory(this.redis, key, since, inventoryHistoryLength, (hash) =>
      inventoryFromHash(productId, hash),
    );
  }

  /** One product's stock, live. */
  live(productId: string): LiveSource<InventoryView> {
    return {
      channel: this.keys.inventoryChanges(productId),
      current: async () => {
        const view = await this.get(productId);
        return view && { position: view.position, view };
      },
      changesSince: (position) => this.changesSince(productId, position),
    };
  }
}
