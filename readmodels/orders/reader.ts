import type { Redis } from "ioredis";
import { readHashes } from "../hashes";
import type { ReadModelKeys } from "../keys";
import type { LiveSource } from "../view";
import { fieldsToObject, positionOfEntry, readViewHistory, type ViewChange } from "../view-history";
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
    const key = this.keys.customerOrderHistory(customerId);
    return readViewHistory(this.redis, key, since, orderHistoryLength, fromEntry);
  }

  /** The orders changed last, newest first. */
  async recent(first: number): Promise<OrderView[]> {
    const ids = await this.redis.zrevrange(this.keys.ordersRecent(), 0, first - 1);
    return this.getMany(ids);
  }

  /** The newest change of any of a customer's orders (the order after it), read once. */
  latestCustomerChange(customerId: string): Promise<ViewChange<OrderView> | null> {
    return this.latestIn(this.keys.customerOrderHistory(customerId));
  }

  private async latestIn(key: string): Promise<ViewChange<OrderView> | null> {
    const [last] = await this.redis.xrevrange(key, "+", "-", "COUNT", 1);
    if (!last) return null;
    const view = fromEntry(JSON.parse(fieldsToObject(last[1]).view ?? "{}") as Record<string, string>);
    return view && { position: positionOfEntry(last[0]), view };
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
      current: () => this.latestIn(this.keys.ordersHistory()),
      changesSince: (position) =>
        readViewHistory(this.redis, this.keys.ordersHistory(), position, allOrdersHistoryLength, fromEntry),
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
