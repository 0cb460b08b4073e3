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
 * count: the ledger guard makes each order's placement count once.
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
      return {
        guard,
        ops: [
          ["zadd", keys.regionOrders(region), String(Date.parse(placedAt)), orderId],
          ["zincrby", keys.regions(), "1", region],
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
    return newestFirst(this.redis, this.keys.regionOrders(region), offset, limit);
  }

  /** Regions with their order counts, busiest first. */
  async regions(): Promise<{ region: string; orders: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.regions(), 0, -1, "WITHSCORES");
    const out: { region: string; orders: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ region: flat[i]!, orders: Number(flat[i + 1]) });
    return out;
  }
}

/** Orders by region: the orders shipped to each region, and a count per region. */
export const ordersByRegionView = defineView({
  name,
  projector: ordersByRegionProjector,
  reader: (redis, keys) => new OrdersByRegionReader(redis, keys),
});
