import { describe, expect, it } from "vitest";
import { aggregates } from "../../commands/aggregates/index";
import { CommandRuntime } from "../../commands/runtime";
import { availableUnits, productStreamId, type ProductState } from "../../domain/catalog/state";
import { orderStreamId } from "../../domain/ordering/state";

import { foldStored } from "../../commands/aggregate";
import type { EventStore } from "../../eventstore/port";
import { orderStockProcess } from "../../jobs/processes/order-stock";
import { ProcessSteps, type CausingEvent } from "../../jobs/processes/steps";
import { storeAndRedis } from "../support/store-and-redis";
import { asCause, reactDyingAfter as dyingAfter } from "../support/dying-steps";

/**
 * The order-stock process manager, run as a worker runs it (its reaction to one event) against a
 * real PostgreSQL store, with the worker dying after each possible step: run again, it finishes
 * what the first run began, appends nothing twice, and leaves no unit held for a rejected order.
 */

const { PRODUCT, ORDER } = aggregates;
const at = "2026-11-01T10:00:00.000Z";
const address = { line1: "1 Main St", city: "Springfield", postalCode: "1", country: "US", region: "US-CA" };

const s = storeAndRedis();

async function addProduct(commands: CommandRuntime, productId: string, stock: number) {
  await commands.execute(
    PRODUCT,
    productId,
    {
      type: "AddProduct",
      productId,
      sku: productId.toUpperCase(),
      name: productId,
      price: 500,
      currency: "USD",
      initialStock: stock,
      at,
    },
    { now: new Date() },
  );
}

async function placed(
  store: EventStore,
  commands: CommandRuntime,
  orderId: string,
  lines: { productId: string; quantity: number }[],
): Promise<CausingEvent> {
  await commands.execute(
    ORDER,
    orderId,
    {
      type: "PlaceOrder",
      orderId,
      customerId: "c-1",
      currency: "USD",
      lines: lines.map((l) => ({ ...l, unitPrice: 500 })),
      shippingAddress: address,
      at,
    },
    { now: new Date(), correlationId: `request-${orderId}` },
  );
  const [event] = await store.readStream(orderStreamId(orderId), { maxCount: 1 });
  return asCause(event!);
}

async function product(store: EventStore, productId: string): Promise<ProductState> {
  return foldStored(PRODUCT, await store.readStream(productStreamId(productId)));
}

async function reactDyingAfter(
  _store: EventStore,
  commands: CommandRuntime,
  cause: CausingEvent,
  lives: number,
) {
  return dyingAfter(commands, orderStockProcess, cause, lives);
}

describe("the order-stock process, with its worker dying after each step", () => {
  it("an order whose lines are all held: dies after 0..3 steps, then finishes; each line held once", async () => {
    const commands = new CommandRuntime({ store: s.store });
    await addProduct(commands, "mug", 100);
    await addProduct(commands, "tea", 100);
    for (let lives = 0; lives <= 3; lives++) {
      const orderId = `held-${lives}`;
      const cause = await placed(s.store, commands, orderId, [
        { productId: "mug", quantity: 2 },
        { productId: "tea", quantity: 3 },
      ]);
      const { outcome } = await reactDyingAfter(s.store, commands, cause, lives);
      if (lives < 3) expect(outcome).toContain("worker died");
      const order = foldStored(ORDER, await s.store.readStream(orderStreamId(orderId)));
      expect(order.status).toBe("awaiting_payment");
    }
    const mug = await product(s.store, "mug");
    const tea = await product(s.store, "tea");
    if (mug.status !== "active" || tea.status !== "active") throw new Error("products should be active");
    // Four orders, each holding 2 mugs and 3 teas exactly once, whatever step the worker died at.
    expect(mug.stock).toMatchObject({ onHand: 100, reserved: 8 });
    expect(tea.stock).toMatchObject({ onHand: 100, reserved: 12 });
    const mugEvents = await s.store.readStream(productStreamId("mug"));
    expect(mugEvents.filter((e) => e.type === "StockReserved")).toHaveLength(4);
  });

  it("an order short of one line: dies after each step, then releases what it took and is rejected", async () => {
    const commands = new CommandRuntime({ store: s.store });
    await addProduct(commands, "lamp", 50);
    await addProduct(commands, "rare", 0);
    // Steps: reserve lamp, reserve rare (refused), release lamp, reject.
    for (let lives = 0; lives <= 4; lives++) {
      const orderId = `short-${lives}`;
      const cause = await placed(s.store, commands, orderId, [
        { productId: "lamp", quantity: 5 },
        { productId: "rare", quantity: 1 },
      ]);
      await reactDyingAfter(s.store, commands, cause, lives);
      const events = await s.store.readStream(orderStreamId(orderId));
      const order = foldStored(ORDER, events);
      expect(order).toMatchObject({ status: "rejected", reason: "out_of_stock" });
      const rejection = events.find((e) => e.type === "OrderRejected")!;
      expect(rejection.data.shortages).toEqual([
        { productId: "rare", requested: 1, available: 0, reason: "insufficient_stock" },
      ]);
      // The chain back to the request: caused by the placing, in its correlation.
      expect(rejection.metadata).toMatchObject({
        causationId: cause.id,
        correlationId: `request-${orderId}`,
        userId: "process:order-stock",
      });
    }
    const lamp = await product(s.store, "lamp");
    if (lamp.status !== "active") throw new Error("lamp should be active");
    expect(lamp.stock).toEqual({ onHand: 50, reserved: 0, reservations: {} });
    expect(availableUnits(lamp.stock)).toBe(50);
    const lampEvents = await s.store.readStream(productStreamId("lamp"));
    // Each of the five orders took five lamps once and gave them back once.
    expect(lampEvents.filter((e) => e.type === "StockReserved")).toHaveLength(5);
    expect(lampEvents.filter((e) => e.type === "StockReleased")).toHaveLength(5);
  });

  it("an order cancelled while its lines were being held gives them back", async () => {
    const commands = new CommandRuntime({ store: s.store });
    await addProduct(commands, "desk", 10);
    const cause = await placed(s.store, commands, "gone", [{ productId: "desk", quantity: 4 }]);
    await commands.execute(
      ORDER,
      "gone",
      { type: "CancelOrder", orderId: "gone", reason: "changed my mind", at },
      { now: new Date() },
    );
    const outcome = await orderStockProcess.react(cause, {
      steps: new ProcessSteps(commands, orderStockProcess.name, cause),
      log: s.store,
    });
    expect(outcome).toContain("no longer waiting");
    const desk = await product(s.store, "desk");
    if (desk.status !== "active") throw new Error("desk should be active");
    expect(desk.stock).toEqual({ onHand: 10, reserved: 0, reservations: {} });
  });
});
