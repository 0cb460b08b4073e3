import { aggregates } from "../../commands/aggregates/index";
import type { StockReservationRefused } from "../../domain/catalog/events";
import { productStreamId } from "../../domain/catalog/state";
import { productEventFromStored } from "../../domain/catalog/upcasters";
import type { LineQuantity, OrderEvent, StockShortage } from "../../domain/ordering/events";
import { orderStreamPrefix } from "../../domain/ordering/state";
import { orderEventFromStored } from "../../domain/ordering/upcasters";
import { fold } from "../../domain/shared/decider";
import { DomainError } from "../../domain/shared/errors";
import type { ProcessContext, ProcessManager } from "./process";
import type { CausingEvent } from "./steps";

const { PRODUCT, ORDER } = aggregates;

/**
 * The order's stock, held on the products (each product owns what it has available):
 *
 * - OrderPlaced: reserve each line on its product. All held: the order awaits payment. One short:
 *   release what was taken, then reject the order naming each short line and what was available.
 *   The order cancelled meanwhile: release what was taken.
 * - OrderCancelled: release what the order holds.
 * - OrderDelivered: what the order holds is sold.
 * - RefundIssued: the goods come back to the shelf (the business rule chosen here: a refund is
 *   issued for goods returned within the refund window, and returned goods can be sold again).
 *
 * Only orders whose events say `stockOnProducts` take part: orders placed before the products
 * held stock never reserved anything there.
 */
export const orderStockProcess: ProcessManager = {
  name: "order-stock",
  filter: {
    streamPrefixes: [orderStreamPrefix],
    eventTypes: ["OrderPlaced", "OrderCancelled", "OrderDelivered", "RefundIssued"],
  },
  reactsTo(event) {
    // RefundIssued does not say; the reaction reads the order to know.
    return event.type === "RefundIssued" || event.data.stockOnProducts === true;
  },
  async react(cause, context) {
    const event = orderEventFromStored(cause);
    switch (event.type) {
      case "OrderPlaced":
        return reserveLines(event.data.orderId, event.data.lines, context);
      case "OrderCancelled":
        return releaseLines(event.data.lines, event.data.orderId, context, "cancelled");
      case "OrderDelivered":
        return sellLines(event.data.lines, event.data.orderId, context);
      case "RefundIssued":
        return returnLines(cause, event.data.orderId, context);
      default:
        return `nothing to do for ${event.type}`;
    }
  },
};

async function reserveLines(
  orderId: string,
  lines: readonly LineQuantity[],
  context: ProcessContext,
): Promise<string> {
  const { steps } = context;
  const held: LineQuantity[] = [];
  const shortages: StockShortage[] = [];
  for (const { productId, quantity } of lines) {
    let answer;
    try {
      answer = await steps.send(`reserve/${productId}`, PRODUCT, productId, {
        type: "ReserveStock",
        productId,
        orderId,
        quantity,
      });
    } catch (error) {
      // The product is not in the catalog (or refuses the request outright): the line is short.
      if (!(error instanceof DomainError)) throw error;
      shortages.push({ productId, requested: quantity, available: 0, reason: "unknown_product" });
      continue;
    }
    if (answer.eventTypes.includes("StockReservationRefused")) {
      const refusal = await refusalAt(context, productId, answer.revision);
      shortages.push({
        productId,
        requested: quantity,
        available: refusal.available,
        reason: refusal.reason,
      });
    } else {
      held.push({ productId, quantity });
    }
  }
  if (shortages.length > 0) {
    await releaseLines(held, orderId, context, "short");
    try {
      await steps.send("reject", ORDER, orderId, { type: "RejectForStock", orderId, shortages });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return `order ${orderId} short of stock and no longer waiting (${error.code}); released`;
    }
    return `order ${orderId} rejected: ${shortages.map((s) => s.productId).join(", ")} short`;
  }
  try {
    await steps.send("confirm", ORDER, orderId, { type: "ConfirmStock", orderId });
  } catch (error) {
    // Cancelled while its lines were being reserved: give them back.
    if (!(error instanceof DomainError)) throw error;
    await releaseLines(held, orderId, context, "short");
    return `order ${orderId} no longer waiting for stock (${error.code}); released`;
  }
  return `order ${orderId}: ${held.length} line(s) reserved`;
}

/** The refusal a reservation recorded, read back from the product's stream at its revision. */
async function refusalAt(
  context: ProcessContext,
  productId: string,
  revision: number,
): Promise<StockReservationRefused["data"]> {
  const [recorded] = await context.log.readStream(productStreamId(productId), {
    fromRevision: revision,
    maxCount: 1,
  });
  const event = recorded && productEventFromStored(recorded);
  if (event?.type !== "StockReservationRefused") {
    throw new Error(`expected StockReservationRefused at ${productId}@${revision}`);
  }
  return event.data;
}

async function releaseLines(
  lines: readonly LineQuantity[],
  orderId: string,
  context: ProcessContext,
  why: "cancelled" | "short",
): Promise<string> {
  for (const { productId } of lines) {
    await context.steps.send(`release/${productId}`, PRODUCT, productId, {
      type: "ReleaseStock",
      productId,
      orderId,
    });
  }
  return `order ${orderId} ${why}: ${lines.length} line(s) released`;
}

async function sellLines(lines: readonly LineQuantity[], orderId: string, context: ProcessContext) {
  for (const { productId } of lines) {
    await context.steps.send(`sell/${productId}`, PRODUCT, productId, {
      type: "SellReservedStock",
      productId,
      orderId,
    });
  }
  return `order ${orderId} delivered: ${lines.length} line(s) sold`;
}

async function returnLines(cause: CausingEvent, orderId: string, context: ProcessContext): Promise<string> {
  // The order as it stood when refunded: its lines, and whether the products held its units.
  const recorded = await context.log.readStream(cause.streamId, { maxCount: cause.revision + 1 });
  const order = fold(
    ORDER.decider,
    recorded.map((e) => orderEventFromStored(e) as OrderEvent),
  );
  if (order.status === "new" || order.status === "rejected" || !order.stockOnProducts) {
    return `order ${orderId}: its units were never held on the products`;
  }
  for (const { productId, quantity } of order.lines) {
    await context.steps.send(`return/${productId}`, PRODUCT, productId, {
      type: "ReturnStock",
      productId,
      orderId,
      quantity,
    });
  }
  return `order ${orderId} refunded: ${order.lines.length} line(s) back in stock`;
}
