import { productStreamPrefix } from "../domain/catalog/state";
import { productEventFromStored } from "../domain/catalog/upcasters";
import type { LineQuantity } from "../domain/ordering/events";
import { orderStreamPrefix } from "../domain/ordering/state";
import { orderEventFromStored } from "../domain/ordering/upcasters";
import type { RecordedEvent } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { ViewOp } from "../readmodels/batch-writer";
import { inventoryHistoryLength } from "../readmodels/inventory";
import type { ReadModelKeys } from "../readmodels/keys";
import { entryIdOf } from "../readmodels/view-history";
import { ledgerGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * Inventory per product: on hand, reserved (placed, not yet delivered or cancelled), sold, and
 * available (= on hand - reserved, kept as the score of a sorted set so low stock is one range).
 * Fed by product and order streams alike; every count is an increment, so the ledger guard is
 * what keeps a repeated delivery from counting twice.
 */
export function inventoryProjector(keys: ReadModelKeys): Projector {
  const name = "inventory";
  return {
    name,
    filter: { streamPrefixes: [productStreamPrefix, orderStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const guard = ledgerGuard(keys, name, recorded);
      const position = formatPosition(recorded.position);
      const changes = recorded.streamId.startsWith(productStreamPrefix)
        ? productChanges(recorded)
        : orderChanges(recorded);
      const ops: ViewOp[] = [];
      const notices: [string, string][] = [];
      for (const change of changes) {
        const key = keys.inventory(change.productId);
        // Many streams write one product: keep the latest position and instant whatever the order.
        ops.push(
          ["hset", key, "productId", change.productId],
          ["hmaxpos", key, "position", position],
          ["hmaxstr", key, "updatedAt", change.at],
        );
        if (change.set) ops.push(["hset", key, ...change.set]);
        for (const [field, by] of Object.entries(change.add ?? {})) {
          if (by !== 0) ops.push(["hincrby", key, field, String(by)]);
        }
        if (change.available !== 0) {
          ops.push(["zincrby", keys.inventoryAvailable(), String(change.available), change.productId]);
        }
        ops.push([
          "snapshot",
          keys.inventoryHistory(change.productId),
          entryIdOf(position),
          String(inventoryHistoryLength),
          key,
        ]);
        notices.push([keys.inventoryChanges(change.productId), position]);
      }
      return { guard, ops, notices };
    },
  };
}

interface StockChange {
  productId: string;
  at: string;
  set?: string[];
  add?: { onHand?: number; reserved?: number; sold?: number };
  /** Change of available units (on hand - reserved). */
  available: number;
}

function productChanges(recorded: RecordedEvent): StockChange[] {
  const event = productEventFromStored(recorded);
  const productId = event.data.productId;
  switch (event.type) {
    case "ProductAdded": {
      const d = event.data;
      return [
        {
          productId,
          at: d.addedAt,
          set: [
            "sku",
            d.sku,
            "name",
            d.name,
            "price",
            String(d.price),
            "currency",
            d.currency,
            "status",
            "active",
          ],
          add: { onHand: d.initialStock },
          available: d.initialStock,
        },
      ];
    }
    case "ProductRestocked":
      return [
        {
          productId,
          at: event.data.restockedAt,
          add: { onHand: event.data.quantity },
          available: event.data.quantity,
        },
      ];
    case "PriceChanged":
      return [
        { productId, at: event.data.changedAt, set: ["price", String(event.data.newPrice)], available: 0 },
      ];
    case "ProductDiscontinued":
      return [{ productId, at: event.data.discontinuedAt, set: ["status", "discontinued"], available: 0 }];
    default:
      return [];
  }
}

function orderChanges(recorded: RecordedEvent): StockChange[] {
  const event = orderEventFromStored(recorded);
  const each = (
    lines: readonly LineQuantity[],
    at: string,
    change: (q: number) => Omit<StockChange, "productId" | "at">,
  ) => lines.map((line) => ({ productId: line.productId, at, ...change(line.quantity) }));
  switch (event.type) {
    case "OrderPlaced":
      return each(event.data.lines, event.data.placedAt, (q) => ({ add: { reserved: q }, available: -q }));
    case "OrderCancelled":
      return each(event.data.lines, event.data.cancelledAt, (q) => ({ add: { reserved: -q }, available: q }));
    case "OrderDelivered":
      // Goods leave the shelf: on hand and reserved both drop, so available does not move.
      return each(event.data.lines, event.data.deliveredAt, (q) => ({
        add: { reserved: -q, onHand: -q, sold: q },
        available: 0,
      }));
    default:
      return [];
  }
}
