import { productStreamPrefix } from "../../domain/catalog/state";
import { assertNever } from "../../domain/shared/decider";
import { productEventFromStored } from "../../domain/catalog/upcasters";
import type { LineQuantity } from "../../domain/ordering/events";
import { orderStreamPrefix } from "../../domain/ordering/state";
import { orderEventFromStored } from "../../domain/ordering/upcasters";
import type { RecordedEvent } from "../../eventstore/port";
import { formatPosition } from "../../eventstore/position";
import type { ViewOp } from "../batch-writer";
import { ledgerGuard } from "../guards";
import type { ReadModelKeys } from "../keys";
import type { Projection, Projector } from "../view";
import { entryIdOf } from "../view-history";
import {
  inventoryHistoryLength,
  inventoryName as name,
  stockLayout as layout,
  type StoredStock,
} from "./layout";

/**
 * Inventory per product: on hand, reserved (held for orders not yet delivered or cancelled), sold,
 * and available (= on hand - reserved, kept as the score of a sorted set so low stock is one range).
 * The product streams say it all: the order process reserves, releases, sells and takes back units
 * there. Orders placed before that (no `stockOnProducts` on their events) are counted from their own
 * events, as they always were. Every count is an increment, so the ledger guard is what keeps a
 * repeated event from counting twice.
 */
export function inventoryProjector(keys: ReadModelKeys): Projector {
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
          layout.set(key, { productId: change.productId }),
          layout.latestPosition(key, "position", position),
          layout.latestText(key, "updatedAt", change.at),
        );
        if (change.set) ops.push(layout.set(key, change.set));
        for (const [field, by] of Object.entries(change.add ?? {}) as [Counter, number][]) {
          if (by !== 0) ops.push(layout.increment(key, field, by));
        }
        if (change.available !== 0) {
          ops.push(["zincrby", keys.inventoryAvailable(), String(change.available), change.productId]);
        }
        const history = keys.inventoryHistory(change.productId);
        ops.push(["snapshot", history, entryIdOf(position), String(inventoryHistoryLength), key]);
        notices.push([keys.inventoryChanges(change.productId), position]);
      }
      return { guard, ops, notices };
    },
  };
}

type Counter = "onHand" | "reserved" | "sold";

interface StockChange {
  productId: string;
  at: string;
  set?: Partial<StoredStock>;
  add?: Partial<Record<Counter, number>>;
  /** Change of available units (on hand - reserved). */
  available: number;
}

function productChanges(recorded: RecordedEvent): StockChange[] {
  const event = productEventFromStored(recorded);
  const productId = event.data.productId;
  switch (event.type) {
    case "ProductAdded": {
      const { sku, name, price, currency, addedAt, initialStock } = event.data;
      return [
        {
          productId,
          at: addedAt,
          set: { sku, name, price, currency, status: "active" },
          add: { onHand: initialStock },
          available: initialStock,
        },
      ];
    }
    case "ProductRestocked": {
      const { quantity, restockedAt } = event.data;
      return [{ productId, at: restockedAt, add: { onHand: quantity }, available: quantity }];
    }
    case "PriceChanged":
      return [{ productId, at: event.data.changedAt, set: { price: event.data.newPrice }, available: 0 }];
    case "ProductDiscontinued":
      return [{ productId, at: event.data.discontinuedAt, set: { status: "discontinued" }, available: 0 }];
    case "StockReserved": {
      const { quantity: q, reservedAt } = event.data;
      return [{ productId, at: reservedAt, add: { reserved: q }, available: -q }];
    }
    case "StockReleased": {
      const { quantity: q, releasedAt } = event.data;
      return [{ productId, at: releasedAt, add: { reserved: -q }, available: q }];
    }
    case "StockSold": {
      // Goods leave the shelf: on hand and reserved both drop, so available does not move.
      const { quantity: q, soldAt } = event.data;
      return [{ productId, at: soldAt, add: { reserved: -q, onHand: -q, sold: q }, available: 0 }];
    }
    case "StockReturned": {
      const { quantity: q, returnedAt } = event.data;
      return [{ productId, at: returnedAt, add: { onHand: q, sold: -q }, available: q }];
    }
    case "StockReservationRefused":
      return [];
    default:
      return assertNever(event);
  }
}

function orderChanges(recorded: RecordedEvent): StockChange[] {
  const event = orderEventFromStored(recorded);
  const each = (
    lines: readonly LineQuantity[],
    at: string,
    change: (q: number) => Omit<StockChange, "productId" | "at">,
  ) => lines.map((line) => ({ productId: line.productId, at, ...change(line.quantity) }));
  // The products hold this order's units: their streams count them (above), not the order's.
  if ("stockOnProducts" in event.data && event.data.stockOnProducts) return [];
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
