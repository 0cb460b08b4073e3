import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { foldStored } from "../../commands/aggregate";
import { aggregates } from "../../commands/aggregates/index";
import { availableUnits, productStreamId, type ProductState } from "../../domain/catalog/state";
import { orderStreamId } from "../../domain/ordering/state";
import { projectionsCaughtUp, startTestService, type TestService } from "../support/service";

/**
 * The shop never oversells: the products hold stock on the write side, and the order process
 * (a worker's jobs) reserves each order's lines there. Fifty customers race for ten units through
 * the public API of the whole service (ROLE=all: gateway, projectors and workers) against real
 * PostgreSQL and Redis.
 */

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const address = { line1: "1 Main St", city: "Springfield", postalCode: "1", country: "US", region: "US-CA" };

interface Answer {
  status: string;
  stockShortages: { productId: string; requested: number; available: number; reason: string }[];
}

async function addProduct(productId: string, initialStock: number) {
  const added = await t.gql<{ addProduct: { __typename: string } }>(
    `mutation($input: AddProductInput!) { addProduct(input: $input) { __typename } }`,
    {
      input: {
        productId,
        sku: productId.toUpperCase(),
        name: productId,
        price: { amount: "5.00", currency: "USD" },
        initialStock,
      },
    },
  );
  expect(added.data?.addProduct.__typename).toBe("Change");
}

/** Places the order and waits for the order process's answer (read-your-writes on the final state). */
async function placeOrder(
  orderId: string,
  lines: { productId: string; quantity: number }[],
): Promise<Answer> {
  const placed = await t.gql<{ placeOrder: { __typename: string; order?: Answer } }>(
    `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename
      ... on Change { order(stockAnswered: true, timeoutMs: 30000) {
        status stockShortages { productId requested available reason } } } } }`,
    { input: { orderId, customerId: `c-${orderId}`, currency: "USD", lines, shippingAddress: address } },
  );
  expect(placed.errors, JSON.stringify(placed.errors)).toBeUndefined();
  expect(placed.data?.placeOrder.__typename).toBe("Change");
  return placed.data!.placeOrder.order!;
}

interface StockView {
  onHand: number;
  reserved: number;
  sold: number;
  available: number;
}

async function stockView(productId: string): Promise<StockView> {
  const read = await t.gql<{ product: StockView }>(
    `query($id: ID!) { product(id: $id) { onHand reserved sold available } }`,
    { id: productId },
  );
  return read.data!.product;
}

async function productStream(productId: string) {
  return t.service.store.readStream(productStreamId(productId));
}

/** An order the race held, for the next test. */
let heldOrderId: string | null = null;

describe("stock held on the write side", () => {
  it("50 concurrent orders for 10 in stock: 10 held, 40 rejected naming what was available, never below zero", async () => {
    await addProduct("scarce", 10);
    await addProduct("plenty", 1_000);
    await projectionsCaughtUp(t);

    // Watches the view while the orders race: available never goes below zero.
    let watching = true;
    const seen: StockView[] = [];
    const watcher = (async () => {
      while (watching) {
        seen.push(await stockView("scarce"));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // Every other order also asks for two of a product there is plenty of: a rejected one gives
    // those back.
    const orders = Array.from({ length: 50 }, (_, i) => ({
      orderId: `race-${String(i).padStart(2, "0")}`,
      lines:
        i % 2 === 0
          ? [{ productId: "scarce", quantity: 1 }]
          : [
              { productId: "plenty", quantity: 2 },
              { productId: "scarce", quantity: 1 },
            ],
    }));
    const answers = await Promise.all(orders.map((o) => placeOrder(o.orderId, o.lines)));
    watching = false;
    await watcher;

    const held = orders.filter((_, i) => answers[i]!.status === "AWAITING_PAYMENT");
    heldOrderId = held[0]?.orderId ?? null;
    const rejected = answers.filter((a) => a.status === "REJECTED");
    expect(held).toHaveLength(10);
    expect(rejected).toHaveLength(40);
    for (const answer of rejected) {
      expect(answer.stockShortages).toEqual([
        { productId: "scarce", requested: 1, available: 0, reason: "insufficient_stock" },
      ]);
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const view of seen) {
      expect(view.available).toBeGreaterThanOrEqual(0);
      expect(view.reserved).toBeLessThanOrEqual(view.onHand);
    }

    // The product streams say the same at every revision: available never below zero.
    const events = await productStream("scarce");
    for (let revision = 1; revision <= events.length; revision++) {
      const state = foldStored(aggregates.PRODUCT, events.slice(0, revision)) as ProductState;
      if (state.status === "unlisted") throw new Error("the product should be listed");
      expect(availableUnits(state.stock)).toBeGreaterThanOrEqual(0);
    }
    const reservations = events.filter((e) => e.type === "StockReserved");
    expect(reservations.reduce((sum, e) => sum + (e.data.quantity as number), 0)).toBe(10);

    // And the inventory view equals what the product streams say, for both products.
    await projectionsCaughtUp(t);
    for (const productId of ["scarce", "plenty"]) {
      const state = foldStored(aggregates.PRODUCT, await productStream(productId)) as ProductState;
      if (state.status === "unlisted") throw new Error(`${productId} should be listed`);
      expect(await stockView(productId)).toEqual({
        onHand: state.stock.onHand,
        reserved: state.stock.reserved,
        sold: 0,
        available: availableUnits(state.stock),
      });
    }
    const plentyHeld = held.filter((o) => o.lines.length === 2).length;
    expect(await stockView("plenty")).toMatchObject({
      reserved: 2 * plentyHeld,
      available: 1_000 - 2 * plentyHeld,
    });

    // Each reservation is caused by its order's placing, in the placing request's correlation.
    for (const reservation of reservations) {
      const orderId = reservation.data.orderId as string;
      const [placing] = await t.service.store.readStream(orderStreamId(orderId), { maxCount: 1 });
      expect(reservation.metadata).toMatchObject({
        causationId: placing!.id,
        correlationId: placing!.metadata.correlationId,
        userId: "process:order-stock",
      });
    }
  }, 120_000);

  it("a cancelled order gives its units back, and the next order gets them", async () => {
    const before = await stockView("scarce");
    expect(before).toMatchObject({ reserved: 10, available: 0 });
    expect(heldOrderId).not.toBeNull();
    const cancelled = await t.gql<{ cancelOrder: { __typename: string } }>(
      `mutation($id: ID!) { cancelOrder(input: { orderId: $id, reason: "changed my mind" }) { __typename } }`,
      { id: heldOrderId },
    );
    expect(cancelled.data?.cancelOrder.__typename).toBe("Change");
    await projectionsCaughtUp(t);
    expect(await stockView("scarce")).toMatchObject({ reserved: 9, available: 1 });
    const late = await placeOrder("late-1", [{ productId: "scarce", quantity: 1 }]);
    expect(late.status).toBe("AWAITING_PAYMENT");
    const later = await placeOrder("late-2", [{ productId: "scarce", quantity: 1 }]);
    expect(later).toMatchObject({ status: "REJECTED" });
  });
});
