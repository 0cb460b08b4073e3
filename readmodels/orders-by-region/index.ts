import type { Redis } from "ioredis";
import { orderStreamPrefix } from "../../domain/ordering/state";
import { orderEventFromStored } from "../../domain/ordering/upcasters";
import type { RecordedEvent } from "../../eventstore/port";
import { ledgerGuard } from "../guards";
import { newestFirst, type IdPage } from "../id-page";
import type { ReadModelKeys } from "../keys";
import { defineView, type Projection, type Projector } from "../view";

const name = "orders-by-region";

/**
 * Orders by region: the orders shipped to each region (newest first) and a count per region.
 * The count is a ZINCRBY across many streams, exactly where a repeated delivery would double
 * count: the ledger guard makes each order's placement count once. Spread over partitions, each
 * keeps the orders and counts of its own streams (placed by the order's stream): the lists are
 * merged and the counts summed on read.
 */
export function ordersByRegionProjector(keys: ReadModelKeys): Projector {
  return {
    name,
    filter: { streamPrefixes: [orderStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const event = orderEventFromStored(recorded);
      const guard = ledgerGuard(keys, name, recorded);
      if (event.type !== "OrderPlaced") return { guard, ops: [], notices: [] };
      const { region, orderId, placedAt } = event.data;
      const here = { stream: recorded.streamId };
      return {
        guard,
        ops: [
          ["zadd", keys.regionOrders(region, here), String(Date.parse(placedAt)), orderId],
          ["zincrby", keys.regions(here), "1", region],
        ],
        notices: [],
      };
    },
  };
}

export class OrdersByRegionReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  /** Order ids shipped to a region, newest first. */
  byRegion(region: string, offset: number, limit: number): Promise<IdPage> {
    const parts = this.keys.inEveryPartition((at) => this.keys.regionOrders(region, at));
    return newestFirst(this.redis, parts, offset, limit);
  }

  /** Regions with their order counts, busiest first (ties by name, last first, as one sorted set). */
  async regions(): Promise<{ region: string; orders: number }[]> {
    const parts = await Promise.all(
      this.keys
        .inEveryPartition((at) => this.keys.regions(at))
        .map((key) => this.redis.zrevrange(key, 0, -1, "WITHSCORES")),
    );
    const counts = new Map<string, number>();
    for (const flat of parts) {
      for (let i = 0; i + 1 < flat.length; i += 2)
        counts.set(flat[i]!, (counts.get(flat[i]!) ?? 0) + Number(flat[i + 1]));
    }
    return [...counts]
      .map(([region, orders]) => ({ region, orders }))
      .sort((a, b) => b.orders - a.orders || (a.region < b.region ? 1 : a.region > b.region ? -1 : 0));
  }
}

/** Orders by region: the orders shipped to each region, and a count per region. */
export const ordersByRegionView = defineView({
  name,
  spreads: true,
  projector: ordersByRegionProjector,
  reader: (redis, keys) => new OrdersByRegionReader(redis, keys),
});
