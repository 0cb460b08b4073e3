import type { OrderEvent } from "../domain/ordering/events";
import { orderStreamPrefix } from "../domain/ordering/state";
import { orderEventFromStored } from "../domain/ordering/upcasters";
import type { RecordedEvent } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { ViewOp } from "../readmodels/batch-writer";
import type { ReadModelKeys } from "../readmodels/keys";
import { orderHistoryLength } from "../readmodels/orders";
import { entryIdOf } from "../readmodels/view-history";
import { entityGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * Order status: one hash per order (status, customer, money, address, region, the instant of
 * every step, tracking number), guarded by its own `revision` field. Each change is also kept in
 * the order's history and in its customer's history, for live clients that resume with `since`.
 */
export function ordersProjector(keys: ReadModelKeys): Projector {
  return {
    name: "orders",
    filter: { streamPrefixes: [orderStreamPrefix] },
    guardFor: (event) => entityGuard(keys.order(event.streamId.slice(orderStreamPrefix.length)), event),
    project(recorded: RecordedEvent): Projection {
      const event = orderEventFromStored(recorded);
      const { orderId, customerId } = event.data;
      const key = keys.order(orderId);
      const guard = entityGuard(key, recorded);
      const position = formatPosition(recorded.position);
      const fields = fieldsOf(event);
      if (fields.length === 0) return { guard, ops: [], notices: [] };
      const id = entryIdOf(position);
      const ops: ViewOp[] = [
        ["hset", key, "orderId", orderId, "customerId", customerId, "position", position, ...fields],
        ["snapshot", keys.orderHistory(orderId), id, String(orderHistoryLength), key],
        ["snapshot", keys.customerOrderHistory(customerId), id, String(orderHistoryLength), key],
      ];
      return {
        guard,
        ops,
        notices: [
          [keys.orderChanges(orderId), position],
          [keys.customerOrderChanges(customerId), position],
        ],
      };
    },
  };
}

/** The hash fields one event sets; `updatedAt` is the business instant of the step. */
function fieldsOf(event: OrderEvent): string[] {
  switch (event.type) {
    case "OrderPlaced": {
      const d = event.data;
      const a = d.shippingAddress;
      return [
        "status", "awaiting_payment",
        "currency", d.currency,
        "subtotal", String(d.subtotal),
        "tax", String(d.tax),
        "total", String(d.total),
        "itemCount", String(d.itemCount),
        "lines", JSON.stringify(d.lines),
        "line1", a.line1, "city", a.city, "postalCode", a.postalCode, "country", a.country,
        "region", d.region,
        "placedAt", d.placedAt,
        "updatedAt", d.placedAt,
      ]; // prettier-ignore
    }
    case "OrderRejected":
      return [
        "status", "rejected",
        "rejectionReason", event.data.reason,
        "rejectionDetail", event.data.detail,
        "rejectedAt", event.data.rejectedAt,
        "updatedAt", event.data.rejectedAt,
      ]; // prettier-ignore
    case "PaymentConfirmed":
      return [
        "status", "paid",
        "paymentReference", event.data.paymentReference,
        "paidAt", event.data.confirmedAt,
        "updatedAt", event.data.confirmedAt,
      ]; // prettier-ignore
    case "PaymentDeclined":
      return [
        "lastPaymentDeclinedAt", event.data.declinedAt,
        "lastPaymentDeclineReason", event.data.reason,
        "updatedAt", event.data.declinedAt,
      ]; // prettier-ignore
    case "OrderShipped":
      return [
        "status", "shipped",
        "trackingNumber", event.data.trackingNumber,
        "shippedAt", event.data.shippedAt,
        "updatedAt", event.data.shippedAt,
      ]; // prettier-ignore
    case "OrderDelivered":
      return [
        "status",
        "delivered",
        "deliveredAt",
        event.data.deliveredAt,
        "updatedAt",
        event.data.deliveredAt,
      ];
    case "OrderCancelled":
      return [
        "status", "cancelled",
        "cancelReason", event.data.reason,
        "cancelledAt", event.data.cancelledAt,
        "updatedAt", event.data.cancelledAt,
      ]; // prettier-ignore
    case "RefundRequested":
      return [
        "status", "refund_requested",
        "refundReason", event.data.reason,
        "refundRequestedAt", event.data.requestedAt,
        "updatedAt", event.data.requestedAt,
      ]; // prettier-ignore
    case "RefundDenied":
      return [
        "refundDeniedAt", event.data.deniedAt,
        "refundDenialReason", event.data.reason,
        "updatedAt", event.data.deniedAt,
      ]; // prettier-ignore
    case "RefundIssued":
      return ["status", "refunded", "refundedAt", event.data.issuedAt, "updatedAt", event.data.issuedAt];
    default:
      return [];
  }
}
