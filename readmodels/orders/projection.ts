import type { OrderEvent } from "../../domain/ordering/events";
import { orderStreamPrefix } from "../../domain/ordering/state";
import { orderEventFromStored } from "../../domain/ordering/upcasters";
import type { RecordedEvent } from "../../eventstore/port";
import { formatPosition } from "../../eventstore/position";
import type { ViewOp } from "../batch-writer";
import { entityGuard } from "../guards";
import type { ReadModelKeys } from "../keys";
import type { Projection, Projector } from "../view";
import { entryIdOf } from "../view-history";
import {
  allOrdersHistoryLength,
  orderHistoryLength,
  orderLayout as layout,
  ordersName,
  type StoredOrder,
} from "./layout";

/**
 * Order status: one hash per order (status, customer, money, address, region, the instant of
 * every step, tracking number), guarded by its own `revision` field. Each change is also kept in
 * the order's history, its customer's history and the history of all orders (a board of every
 * order), for live clients that resume with `since`; every order is ranked by its last change.
 */
export function ordersProjector(keys: ReadModelKeys): Projector {
  return {
    name: ordersName,
    filter: { streamPrefixes: [orderStreamPrefix] },
    guardFor: (event) => entityGuard(keys.order(event.streamId.slice(orderStreamPrefix.length)), event),
    project(recorded: RecordedEvent): Projection {
      const event = orderEventFromStored(recorded);
      const { orderId, customerId } = event.data;
      const key = keys.order(orderId);
      const guard = entityGuard(key, recorded);
      const changed = changeOf(event);
      if (changed === null) return { guard, ops: [], notices: [] };
      const position = formatPosition(recorded.position);
      const id = entryIdOf(position);
      const kept = String(orderHistoryLength);
      // The indexes of many orders (the board, a customer's changes) are kept per partition on a
      // spread layout, placed by this order's stream; readers merge them.
      const here = { stream: recorded.streamId };
      const ops: ViewOp[] = [
        layout.set(key, { orderId, customerId, position, ...changed }),
        ["snapshot", keys.orderHistory(orderId), id, kept, key],
        ["snapshot", keys.customerOrderHistory(customerId, here), id, kept, key],
        ["snapshot", keys.ordersHistory(here), id, String(allOrdersHistoryLength), key],
      ];
      if (changed.updatedAt) {
        ops.push(["zadd", keys.ordersRecent(here), String(Date.parse(changed.updatedAt)), orderId]);
      }
      const notices: [string, string][] = [
        [keys.orderChanges(orderId), position],
        [keys.customerOrderChanges(customerId), position],
        [keys.ordersChanges(), position],
      ];
      return { guard, ops, notices };
    },
  };
}

/** The fields one event changes; `updatedAt` is the business instant of the step. */
function changeOf(event: OrderEvent): Partial<StoredOrder> | null {
  switch (event.type) {
    case "OrderPlaced": {
      const d = event.data;
      const { line1, city, postalCode, country } = d.shippingAddress;
      return {
        // Orders placed before the products held stock went straight to payment.
        status: d.stockOnProducts ? "awaiting_stock" : "awaiting_payment",
        currency: d.currency,
        subtotal: d.subtotal,
        tax: d.tax,
        total: d.total,
        itemCount: d.itemCount,
        lines: d.lines as StoredOrder["lines"],
        line1,
        city,
        postalCode,
        country,
        region: d.region,
        placedAt: d.placedAt,
        updatedAt: d.placedAt,
      };
    }
    case "OrderStockReserved": {
      const { reservedAt } = event.data;
      return { status: "awaiting_payment", stockReservedAt: reservedAt, updatedAt: reservedAt };
    }
    case "OrderRejected": {
      const { reason, detail, shortages, rejectedAt } = event.data;
      return {
        status: "rejected",
        rejectionReason: reason,
        rejectionDetail: detail,
        ...(shortages && { stockShortages: shortages }),
        rejectedAt,
        updatedAt: rejectedAt,
      };
    }
    case "PaymentConfirmed": {
      const { paymentReference, confirmedAt } = event.data;
      return { status: "paid", paymentReference, paidAt: confirmedAt, updatedAt: confirmedAt };
    }
    case "PaymentDeclined": {
      const { declinedAt, reason } = event.data;
      return { lastPaymentDeclinedAt: declinedAt, lastPaymentDeclineReason: reason, updatedAt: declinedAt };
    }
    case "OrderShipped": {
      const { trackingNumber, shippedAt } = event.data;
      return { status: "shipped", trackingNumber, shippedAt, updatedAt: shippedAt };
    }
    case "OrderDelivered":
      return { status: "delivered", deliveredAt: event.data.deliveredAt, updatedAt: event.data.deliveredAt };
    case "OrderCancelled": {
      const { reason, cancelledAt } = event.data;
      return { status: "cancelled", cancelReason: reason, cancelledAt, updatedAt: cancelledAt };
    }
    case "RefundRequested": {
      const { reason, requestedAt } = event.data;
      return {
        status: "refund_requested",
        refundReason: reason,
        refundRequestedAt: requestedAt,
        updatedAt: requestedAt,
      };
    }
    case "RefundDenied": {
      const { deniedAt, reason } = event.data;
      return { refundDeniedAt: deniedAt, refundDenialReason: reason, updatedAt: deniedAt };
    }
    case "RefundIssued":
      return { status: "refunded", refundedAt: event.data.issuedAt, updatedAt: event.data.issuedAt };
    case "OrderTaxRecalculated": {
      // A back-office correction, not a step of the order: it does not move the order up the
      // recent list (no updatedAt).
      const { tax, correctionId, recalculatedAt } = event.data;
      return { tax, taxCorrectionId: correctionId, taxRecalculatedAt: recalculatedAt };
    }
    default:
      return null;
  }
}
