import { assertNever, type Decider } from "../shared/decider";
import { ValidationError } from "../shared/errors";
import { assertCurrency } from "../shared/money";
import type {
  CancelOrder,
  ConfirmPayment,
  ConfirmStock,
  RejectForStock,
  RecalculateTax,
  DeliverOrder,
  IssueRefund,
  OrderCommand,
  PlaceOrder,
  RequestRefund,
  ShipOrder,
  ShippingAddress,
} from "./commands";
import type { OrderEvent, PaymentDeclineReason } from "./events";
import { instantMillis, MILLIS_PER_DAY } from "./instants";
import { isRejection, priceOrder } from "./pricing";
import { initialOrderState, type OrderState } from "./state";
import { requireNew, requireStatus } from "./transitions";
import { MAX_TAX_RATE_BPS, taxAtRate } from "./tax";

/** A delivered order may be refunded up to this many days after delivery (inclusive). */
export const REFUND_WINDOW_DAYS = 30;

function requireText(value: string, field: string): void {
  if (value.trim() === "") throw new ValidationError(field, `The ${field} is required`);
}

/** Instants are checked on the way in: the refund window and per-day views compute with them. */
function requireInstant(at: string): number {
  const millis = instantMillis(at);
  if (millis === null) throw new ValidationError("at", `"${at}" is not an ISO-8601 instant`);
  return millis;
}

function shippingAddress(address: ShippingAddress): ShippingAddress {
  for (const field of ["line1", "city", "postalCode", "country", "region"] as const) {
    requireText(address[field], `shippingAddress.${field}`);
  }
  return { ...address, region: address.region.trim().toUpperCase() };
}

/** Malformed requests are refused; a well-formed order with bad lines is recorded as rejected. */
function place(command: PlaceOrder, state: OrderState): OrderEvent[] {
  requireNew(state, command.orderId);
  requireText(command.customerId, "customerId");
  assertCurrency(command.currency);
  requireInstant(command.at);
  const address = shippingAddress(command.shippingAddress);
  command.lines.forEach((line, index) => requireText(line.productId, `lines[${index}].productId`));
  const { orderId, customerId, currency } = command;
  const priced = priceOrder(command.lines, currency, address.region);
  if (isRejection(priced)) {
    return [{ type: "OrderRejected", data: { orderId, customerId, ...priced, rejectedAt: command.at } }];
  }
  return [
    {
      type: "OrderPlaced",
      data: {
        orderId,
        customerId,
        currency,
        ...priced,
        shippingAddress: address,
        region: address.region,
        placedAt: command.at,
        stockOnProducts: true,
      },
    },
  ];
}

function confirmStock(command: ConfirmStock, state: OrderState): OrderEvent[] {
  const { orderId, customerId } = requireStatus(state, command);
  requireInstant(command.at);
  return [{ type: "OrderStockReserved", data: { orderId, customerId, reservedAt: command.at } }];
}

/** The detail names every short line, so a customer reading it knows what to change. */
function rejectForStock(command: RejectForStock, state: OrderState): OrderEvent[] {
  const { orderId, customerId } = requireStatus(state, command);
  requireInstant(command.at);
  if (command.shortages.length === 0) {
    throw new ValidationError("shortages", "An order is rejected for stock only with a short line");
  }
  const detail = command.shortages
    .map(({ productId, requested, available, reason }) =>
      reason === "insufficient_stock"
        ? `${productId}: ${requested} requested, ${available} available`
        : `${productId}: ${reason === "discontinued" ? "discontinued" : "not in the catalog"}`,
    )
    .join("; ");
  return [
    {
      type: "OrderRejected",
      data: {
        orderId,
        customerId,
        reason: "out_of_stock",
        detail: `Not enough stock: ${detail}`,
        shortages: command.shortages,
        rejectedAt: command.at,
      },
    },
  ];
}

function confirmPayment(command: ConfirmPayment, state: OrderState): OrderEvent[] {
  const order = requireStatus(state, command);
  if (!Number.isSafeInteger(command.amount) || command.amount <= 0) {
    throw new ValidationError("amount", "The amount must be a positive whole number of minor units");
  }
  requireText(command.paymentReference, "paymentReference");
  requireInstant(command.at);
  const { orderId, customerId } = order;
  const { amount, currency, paymentReference } = command;
  const reason: PaymentDeclineReason | null =
    currency !== order.currency ? "currency_mismatch" : amount !== order.total ? "amount_mismatch" : null;
  if (reason) {
    return [
      {
        type: "PaymentDeclined",
        data: {
          orderId,
          customerId,
          amount,
          currency,
          expectedAmount: order.total,
          expectedCurrency: order.currency,
          paymentReference,
          reason,
          declinedAt: command.at,
        },
      },
    ];
  }
  return [
    {
      type: "PaymentConfirmed",
      data: {
        orderId,
        customerId,
        amount,
        currency,
        paymentReference,
        confirmedAt: command.at,
        tax: order.tax,
      },
    },
  ];
}

function ship(command: ShipOrder, state: OrderState): OrderEvent[] {
  const { orderId, customerId } = requireStatus(state, command);
  requireText(command.trackingNumber, "trackingNumber");
  requireInstant(command.at);
  const trackingNumber = command.trackingNumber.trim();
  return [{ type: "OrderShipped", data: { orderId, customerId, trackingNumber, shippedAt: command.at } }];
}

/** `stockOnProducts` rides along so inventory views know whether the products count these units. */
function onProducts(order: { stockOnProducts: boolean }): { stockOnProducts?: true } {
  return order.stockOnProducts ? { stockOnProducts: true } : {};
}

function deliver(command: DeliverOrder, state: OrderState): OrderEvent[] {
  const order = requireStatus(state, command);
  requireInstant(command.at);
  const { orderId, customerId, lines } = order;
  return [
    {
      type: "OrderDelivered",
      data: { orderId, customerId, lines, deliveredAt: command.at, ...onProducts(order) },
    },
  ];
}

function cancel(command: CancelOrder, state: OrderState): OrderEvent[] {
  const order = requireStatus(state, command);
  requireText(command.reason, "reason");
  requireInstant(command.at);
  const { orderId, customerId, lines, currency } = order;
  const amountPaid = order.status === "paid" ? order.total : 0;
  const taxPaid = order.status === "paid" ? { taxPaid: order.tax } : {};
  return [
    {
      type: "OrderCancelled",
      data: {
        orderId,
        customerId,
        reason: command.reason,
        lines,
        amountPaid,
        currency,
        cancelledAt: command.at,
        ...onProducts(order),
        ...taxPaid,
      },
    },
  ];
}

function requestRefund(command: RequestRefund, state: OrderState): OrderEvent[] {
  const order = requireStatus(state, command);
  requireText(command.reason, "reason");
  const requestedAt = requireInstant(command.at);
  const { orderId, customerId } = order;
  const denied = (reason: "not_delivered" | "refund_window_passed"): OrderEvent[] => [
    {
      type: "RefundDenied",
      data: { orderId, customerId, reason, requestReason: command.reason, deniedAt: command.at },
    },
  ];
  if (order.status !== "delivered") return denied("not_delivered");
  // deliveredAt was checked when DeliverOrder came in; should it ever be unreadable, the customer wins.
  const deliveredAt = instantMillis(order.deliveredAt) ?? requestedAt;
  if (requestedAt - deliveredAt > REFUND_WINDOW_DAYS * MILLIS_PER_DAY) return denied("refund_window_passed");
  return [
    {
      type: "RefundRequested",
      data: { orderId, customerId, reason: command.reason, requestedAt: command.at },
    },
  ];
}

function issueRefund(command: IssueRefund, state: OrderState): OrderEvent[] {
  const { orderId, customerId, total, currency, tax } = requireStatus(state, command);
  requireInstant(command.at);
  return [
    {
      type: "RefundIssued",
      data: { orderId, customerId, amount: total, currency, issuedAt: command.at, tax },
    },
  ];
}

/**
 * A new rule for the tax of orders already paid: the subtotal at the rate, rounded half-up once.
 * The same tax as now records nothing, so applying one rule twice changes nothing the second time.
 */
function recalculateTax(command: RecalculateTax, state: OrderState): OrderEvent[] {
  const order = requireStatus(state, command);
  requireInstant(command.at);
  requireText(command.correctionId, "correctionId");
  if (!Number.isSafeInteger(command.rateBps) || command.rateBps < 0 || command.rateBps > MAX_TAX_RATE_BPS) {
    throw new ValidationError("rateBps", "The rate must be between 0 and 10000 basis points (0 % to 100 %)");
  }
  const tax = Number(taxAtRate(BigInt(order.subtotal), command.rateBps));
  if (tax === order.tax) return [];
  const { orderId, customerId, currency } = order;
  return [
    {
      type: "OrderTaxRecalculated",
      data: {
        orderId,
        customerId,
        currency,
        correctionId: command.correctionId,
        rateBps: command.rateBps,
        previousTax: order.tax,
        tax,
        // A paid order always has its payment instant; the fallback keeps the type honest.
        paidAt: order.paidAt ?? command.at,
        recalculatedAt: command.at,
      },
    },
  ];
}

export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  switch (command.type) {
    case "PlaceOrder":
      return place(command, state);
    case "ConfirmStock":
      return confirmStock(command, state);
    case "RejectForStock":
      return rejectForStock(command, state);
    case "ConfirmPayment":
      return confirmPayment(command, state);
    case "ShipOrder":
      return ship(command, state);
    case "DeliverOrder":
      return deliver(command, state);
    case "CancelOrder":
      return cancel(command, state);
    case "RequestRefund":
      return requestRefund(command, state);
    case "IssueRefund":
      return issueRefund(command, state);
    case "RecalculateTax":
      return recalculateTax(command, state);
    default:
      return assertNever(command);
  }
}

/** Folds one event; never throws (events are facts already accepted). */
export function evolve(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case "OrderPlaced": {
      const { orderId, customerId, currency, total, subtotal, tax, lines } = event.data;
      const quantities = lines.map(({ productId, quantity }) => ({ productId, quantity }));
      const stockOnProducts = event.data.stockOnProducts === true;
      // Orders placed before the products held stock go straight to payment, as they did then.
      const status = stockOnProducts ? "awaiting_stock" : "awaiting_payment";
      return {
        status,
        orderId,
        customerId,
        currency,
        total,
        subtotal,
        tax,
        paidAt: null,
        lines: quantities,
        stockOnProducts,
      };
    }
    case "OrderStockReserved":
      return state.status === "awaiting_stock" ? { ...state, status: "awaiting_payment" } : state;
    case "OrderRejected": {
      const { orderId, customerId, reason } = event.data;
      return { status: "rejected", orderId, customerId, reason };
    }
    case "PaymentConfirmed":
      return state.status === "awaiting_payment"
        ? { ...state, status: "paid", paidAt: event.data.confirmedAt }
        : state;
    case "OrderTaxRecalculated":
      return state.status === "new" || state.status === "rejected"
        ? state
        : { ...state, tax: event.data.tax };
    case "OrderShipped":
      return state.status === "paid" ? { ...state, status: "shipped" } : state;
    case "OrderDelivered":
      return state.status === "shipped"
        ? { ...state, status: "delivered", deliveredAt: event.data.deliveredAt }
        : state;
    case "OrderCancelled":
      return state.status === "awaiting_stock" ||
        state.status === "awaiting_payment" ||
        state.status === "paid"
        ? { ...state, status: "cancelled" }
        : state;
    case "RefundRequested":
      return state.status === "delivered" ? { ...state, status: "refund_requested" } : state;
    case "RefundIssued":
      return state.status === "refund_requested" ? { ...state, status: "refunded" } : state;
    case "PaymentDeclined":
    case "RefundDenied":
      // Recorded for the customer's history; the order stays where it was.
      return state;
    default:
      return assertNever(event);
  }
}

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  decide,
  evolve,
  initialState: initialOrderState,
};
