import { orderStreamPrefix } from "../../domain/ordering/state";
import { orderEventFromStored } from "../../domain/ordering/upcasters";
import type { RecordedEvent } from "../../eventstore/port";
import { formatPosition } from "../../eventstore/position";
import type { ViewOp } from "../batch-writer";
import { ledgerGuard } from "../guards";
import type { ReadModelKeys } from "../keys";
import type { Projection, Projector } from "../view";
import { entryIdOf } from "../view-history";
import { revenueHistoryLength, revenueLayout as layout, revenueName as name } from "./layout";

type Figure = "revenue" | "orders" | "refunds" | "refundCount" | "tax";

/**
 * Revenue dashboard, per currency, per day (UTC, of the business instant) and in total: revenue
 * (confirmed payments), paid order count, refunds (refunds issued, and payments returned on
 * cancellation) and their count, and the tax owed apart (the tax in payments kept, moved by
 * retroactive corrections on the day the order was paid). Average order value and net revenue are
 * derived when read. All increments across every order stream: the ledger guard keeps them exact.
 */
export function revenueProjector(keys: ReadModelKeys): Projector {
  return {
    name,
    filter: { streamPrefixes: [orderStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const event = orderEventFromStored(recorded);
      const guard = ledgerGuard(keys, name, recorded);
      let change: { currency: string; at: string; add: Partial<Record<Figure, number>> } | null = null;
      switch (event.type) {
        case "PaymentConfirmed": {
          const { currency, confirmedAt, amount, tax } = event.data;
          change = { currency, at: confirmedAt, add: { revenue: amount, orders: 1, tax: tax ?? 0 } };
          break;
        }
        case "RefundIssued": {
          const { currency, issuedAt, amount, tax } = event.data;
          change = { currency, at: issuedAt, add: { refunds: amount, refundCount: 1, tax: -(tax ?? 0) } };
          break;
        }
        case "OrderCancelled": {
          const { currency, cancelledAt, amountPaid, taxPaid } = event.data;
          if (amountPaid > 0) {
            const add = { refunds: amountPaid, refundCount: 1, tax: -(taxPaid ?? 0) };
            change = { currency, at: cancelledAt, add };
          }
          break;
        }
        case "OrderTaxRecalculated": {
          // The tax belongs to the day the order was paid: that day's figures, and the total, move.
          const { currency, paidAt, previousTax, tax } = event.data;
          change = { currency, at: paidAt, add: { tax: tax - previousTax } };
          break;
        }
        default:
          break;
      }
      if (!change) return { guard, ops: [], notices: [] };
      const { currency } = change;
      const position = formatPosition(recorded.position);
      const day = change.at.slice(0, 10);
      // Spread over partitions, each keeps the figures of its own streams (placed by the order's
      // stream); readers sum them.
      const here = { stream: recorded.streamId };
      const total = keys.revenueTotal(currency, here);
      const daily = keys.revenueDay(currency, day, here);
      const ops: ViewOp[] = [
        ["zadd", keys.revenueDays(currency, here), String(Date.parse(`${day}T00:00:00.000Z`)), day],
        layout.set(total, { currency }),
        layout.latestPosition(total, "position", position),
        layout.latestText(total, "updatedAt", change.at),
        layout.set(daily, { currency, day }),
      ];
      for (const [field, by] of Object.entries(change.add) as [Figure, number][]) {
        if (by !== 0) ops.push(layout.increment(total, field, by), layout.increment(daily, field, by));
      }
      const history = keys.revenueHistory(currency, here);
      ops.push(["snapshot", history, entryIdOf(position), String(revenueHistoryLength), total]);
      return { guard, ops, notices: [[keys.revenueChanges(currency), position]] };
    },
  };
}
