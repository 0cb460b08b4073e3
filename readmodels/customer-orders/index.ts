import type { Redis } from "ioredis";
import { orderStreamPrefix } from "../../domain/ordering/state";
import { orderEventFromStored } from "../../domain/ordering/upcasters";
import type { RecordedEvent } from "../../eventstore/port";
import { ledgerGuard } from "../guards";
import { newestFirst, type IdPage } from "../id-page";
import type { ReadModelKeys } from "../keys";
import { defineView, type Projection, type Projector } from "../view";

const name = "customer-orders";

/**
 * Customer order history: each customer's orders scored by when they were placed (rejected
 * attempts included), so the newest come first. One index across many order streams: guarded by
 * this projector's ledger. Spread over partitions, each keeps the customer's orders of its own
 * streams (placed by the order's stream), merged on read.
 */
export function customerOrdersProjector(keys: ReadModelKeys): Projector {
  return {
    name,
    filter: { streamPrefixes: [orderStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const event = orderEventFromStored(recorded);
      const guard = ledgerGuard(keys, name, recorded);
      const at =
        event.type === "OrderPlaced"
          ? event.data.placedAt
          : // A rejection for stock comes after the placing: the order keeps its place in time.
            event.type === "OrderRejected" && event.data.reason !== "out_of_stock"
            ? event.data.rejectedAt
            : null;
      if (!at) return { guard, ops: [], notices: [] };
      const { customerId, orderId } = event.data;
      return {
        guard,
        ops: [
          [
            "zadd",
            keys.customerOrders(customerId, { stream: recorded.streamId }),
            String(Date.parse(at)),
            orderId,
          ],
        ],
        notices: [],
      };
    },
  };
}

export class CustomerOrdersReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  /** A customer's order ids, newest first. */
  byCustomer(customerId: string, offset: number, limit: number): Promise<IdPage> {
    const parts = this.keys.inEveryPartition((at) => this.keys.customerOrders(customerId, at));
    return newestFirst(this.redis, parts, offset, limit);
  }
}

/** Customer orders: each customer's orders, newest first. */
export const customerOrdersView = defineView({
  name,
  spreads: true,
  projector: customerOrdersProjector,
  reader: (redis, keys) => new CustomerOrdersReader(redis, keys),
});
