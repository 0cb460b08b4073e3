import type { Redis } from "ioredis";
import { readHashes } from "../hashes";
import type { ReadModelKeys } from "../keys";
import type { LiveSource } from "../view";
import { newestIds } from "../id-page";
import {
  idAfter,
  positionOfEntry,
  readViewHistories,
  readViewHistory,
  snapshotOf,
  type ViewChange,
} from "../view-history";
import { allOrdersHistoryLength, orderFromHash, orderHistoryLength, type OrderView } from "./layout";

type Changes = Promise<{ changes: ViewChange<OrderView>[]; complete: boolean }>;

/** A history entry holds the whole order hash, its id included. */
const fromEntry = (hash: Record<string, string>) => (hash.orderId ? orderFromHash(hash.orderId, hash) : null);

export class OrderReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  async get(orderId: string): Promise<OrderView | null> {
    return orderFromHash(orderId, await this.redis.hgetall(this.keys.order(orderId)));
  }

  /** Many orders in one round trip (pipelined), in the order asked; missing ones dropped. */
  async getMany(orderIds: readonly string[]): Promise<OrderView[]> {
    const hashes = await readHashes(this.redis, orderIds.map(this.keys.order));
    return orderIds.flatMap((id, i) => orderFromHash(id, hashes[i]!) ?? []);
  }

  orderChangesSince(orderId: string, since: string): Changes {
    const key = this.keys.orderHistory(orderId);
    return readViewHistory(this.redis, key, since, orderHistoryLength, (hash) =>
      orderFromHash(orderId, hash),
    );
  }

  customerChangesSince(customerId: string, since: string): Changes {
    const keys = this.keys.inEveryPartition((at) => this.keys.customerOrderHistory(customerId, at));
    return readViewHistories(this.redis, keys, since, orderHistoryLength, fromEntry);
  }

  /**
   * The orders changed last, newest first. A spread view keeps the board per partition: the
   * newest `first` of each, merged.
   */
  async recent(first: number): Promise<OrderView[]> {
    const keys = this.keys.inEveryPartition((at) => this.keys.ordersRecent(at));
    return this.getMany(await newestIds(this.redis, keys, 0, first));
  }

  /** The newest change of any of a customer's orders (the order after it), read once. */
  latestCustomerChange(customerId: string): Promise<ViewChange<OrderView> | null> {
    return this.latestIn(this.keys.inEveryPartition((at) => this.keys.customerOrderHistory(customerId, at)));
  }

  /** The newest entry of some histories (the parts of one, on a spread view). */
  private async latestIn(keys: readonly string[]): Promise<ViewChange<OrderView> | null> {
    const lasts = (
      await Promise.all(keys.map((key) => this.redis.xrevrange(key, "+", "-", "COUNT", 1)))
    ).flat();
    const newest = lasts.reduce<(typeof lasts)[number] | undefined>(
      (best, entry) => (best === undefined || idAfter(entry[0], best[0]) ? entry : best),
      undefined,
    );
    if (!newest) return null;
    const view = fromEntry(snapshotOf(newest[1]));
    return view && { position: positionOfEntry(newest[0]), view };
  }

  /** One order, live. */
  live(orderId: string): LiveSource<OrderView> {
    return {
      channel: this.keys.orderChanges(orderId),
      current: async () => {
        const view = await this.get(orderId);
        return view && { position: view.position, view };
      },
      changesSince: (position) => this.orderChangesSince(orderId, position),
    };
  }

  /** Every change of any order, live (a board of all orders); starts with the most recent one. */
  allLive(): LiveSource<OrderView> {
    return {
      channel: this.keys.ordersChanges(),
      current: () => this.latestIn(this.keys.inEveryPartition((at) => this.keys.ordersHistory(at))),
      changesSince: (position) =>
        readViewHistories(
          this.redis,
          this.keys.inEveryPartition((at) => this.keys.ordersHistory(at)),
          position,
          allOrdersHistoryLength,
          fromEntry,
        ),
    };
  }

  /** Every change of any of a customer's orders, live; starts with the most recent one. */
  customerLive(customerId: string): LiveSource<OrderView> {
    return {
      channel: this.keys.customerOrderChanges(customerId),
      current: () => this.latestCustomerChange(customerId),
      changesSince: (position) => this.customerChangesSince(customerId, position),
    };
  }
}
