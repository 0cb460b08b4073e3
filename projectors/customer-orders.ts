import { orderStreamPrefix } from "../domain/ordering/state";
import { orderEventFromStored } from "../domain/ordering/upcasters";
import type { RecordedEvent } from "../eventstore/port";
import type { ReadModelKeys } from "../readmodels/keys";
import { ledgerGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * Customer order history: each customer's orders scored by when they were placed (rejected
 * attempts included), so the newest come first. One index across many order streams: guarded by
 * this projector's ledger.
 */
export function customerOrdersProjector(keys: ReadModelKeys): Projector {
  const name = "customer-orders";
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
          : event.type === "OrderRejected"
            ? event.data.rejectedAt
            : null;
      if (!at) return { guard, ops: [], notices: [] };
      return {
        guard,
        ops: [
          ["zadd", keys.customerOrders(event.data.customerId), String(Date.parse(at)), event.data.orderId],
        ],
        notices: [],
      };
    },
  };
}
