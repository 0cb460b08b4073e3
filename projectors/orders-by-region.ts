import { orderStreamPrefix } from "../domain/ordering/state";
import { orderEventFromStored } from "../domain/ordering/upcasters";
import type { RecordedEvent } from "../eventstore/port";
import type { ReadModelKeys } from "../readmodels/keys";
import { ledgerGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * Orders by region: the orders shipped to each region (newest first) and a count per region.
 * The count is a ZINCRBY across many streams, exactly where a repeated delivery would double
 * count: the ledger guard makes each order's placement count once.
 */
export function ordersByRegionProjector(keys: ReadModelKeys): Projector {
  const name = "orders-by-region";
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
