import { orderStreamPrefix } from "../domain/ordering/state";
import { orderEventFromStored } from "../domain/ordering/upcasters";
import type { RecordedEvent } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { ViewOp } from "../readmodels/batch-writer";
import type { ReadModelKeys } from "../readmodels/keys";
import { revenueHistoryLength } from "../readmodels/revenue";
import { entryIdOf } from "../readmodels/view-history";
import { ledgerGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * Revenue dashboard, per currency, per day (UTC, of the business instant) and in total: revenue
 * (confirmed payments), paid order count, refunds (refunds issued, and payments returned on
 * cancellation) and their count. Average order value is derived when read. All increments across
 * every order stream: the ledger guard is what keeps them exact.
 */
export function revenueProjector(keys: ReadModelKeys): Projector {
  const name = "revenue";
  return {
    name,
    filter: { streamPrefixes: [orderStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const event = orderEventFromStored(recorded);
      const guard = ledgerGuard(keys, name, recorded);
      let change: { currency: string; at: string; add: Record<string, number> } | null = null;
      switch (event.type) {
        case "PaymentConfirmed":
          change = {
            currency: event.data.currency,
            at: event.data.confirmedAt,
            add: { revenue: event.data.amount, orders: 1 },
          };
          break;
        case "RefundIssued":
          change = {
            currency: event.data.currency,
            at: event.data.issuedAt,
            add: { refunds: event.data.amount, refundCount: 1 },
          };
          break;
        case "OrderCancelled":
          if (event.data.amountPaid > 0) {
            change = {
              currency: event.data.currency,
              at: event.data.cancelledAt,
              add: { refunds: event.data.amountPaid, refundCount: 1 },
            };
          }
          break;
        default:
          break;
      }
      if (!change) return { guard, ops: [], notices: [] };
      const position = formatPosition(recorded.position);
      const day = change.at.slice(0, 10);
      const total = keys.revenueTotal(change.currency);
      const daily = keys.revenueDay(change.currency, day);
      const ops: ViewOp[] = [
        ["zadd", keys.revenueDays(change.currency), String(Date.parse(`${day}T00:00:00.000Z`)), day],
        ["hset", total, "currency", change.currency],
        ["hmaxpos", total, "position", position],
        ["hmaxstr", total, "updatedAt", change.at],
        ["hset", daily, "currency", change.currency, "day", day],
      ];
      for (const [field, by] of Object.entries(change.add)) {
        ops.push(["hincrby", total, field, String(by)], ["hincrby", daily, field, String(by)]);
      }
      ops.push([
        "snapshot",
        keys.revenueHistory(change.currency),
        entryIdOf(position),
        String(revenueHistoryLength),
        total,
      ]);
      return { guard, ops, notices: [[keys.revenueChanges(change.currency), position]] };
    },
  };
}
