import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productAggregate } from "../../commands/aggregates/product";
import { orderAggregate } from "../../commands/aggregates/order";
import { CommandRuntime } from "../../commands/runtime";
import type { OrderEvent, OrderPlaced } from "../../domain/ordering/events";
import { upcastOrderEvent, UNKNOWN_REGION } from "../../domain/ordering/upcasters";
import { UnreadableEvent } from "../../domain/shared/upcasting";
import type { JsonObject, RecordedEvent } from "../../eventstore/port";
import { createPgliteTestStore, type TestEventStore } from "../support/eventstores";

/** OrderPlaced exactly as the first release stored it: schema version 1. */
const orderPlacedV1 = {
  orderId: "o-legacy",
  customerId: "c-7",
  currency: "USD",
  lines: [
    { productId: "p-mug", quantity: 2, unitPrice: 1250 },
    { productId: "p-tea", quantity: 3, unitPrice: 500 },
  ],
  subtotal: 4000,
  tax: 290,
  total: 4290,
  shippingAddress: "1 Market St, San Francisco, 94105, us",
  placedAt: "2025-06-01T09:00:00.000Z",
};

/** The same fact in today's shape (schema version 2). */
const orderPlacedToday: OrderPlaced["data"] = {
  orderId: "o-legacy",
  customerId: "c-7",
  currency: "USD",
  lines: [
    { productId: "p-mug", sku: null, quantity: 2, unitPrice: 1250 },
    { productId: "p-tea", sku: null, quantity: 3, unitPrice: 500 },
  ],
  subtotal: 4000,
  tax: 290,
  total: 4290,
  shippingAddress: {
    line1: "1 Market St",
    city: "San Francisco",
    postalCode: "94105",
    country: "US",
    region: UNKNOWN_REGION,
  },
  region: UNKNOWN_REGION,
  itemCount: 5,
  placedAt: "2025-06-01T09:00:00.000Z",
};

const paymentConfirmedV1 = {
  orderId: "o-legacy",
  customerId: "c-7",
  amount: 4290,
  currency: "USD",
  paymentReference: "pay-9",
  confirmedAt: "2025-06-01T09:05:00.000Z",
};

/** A row as the store hands it back; only type, data and schemaVersion matter to upcasting. */
function recorded(type: string, data: JsonObject, schemaVersion: number, revision = 0): RecordedEvent {
  return {
    id: randomUUID(),
    streamId: "order-o-legacy",
    revision,
    position: { commit: 1n, prepare: BigInt(revision) },
    type,
    data,
    metadata: {},
    schemaVersion,
    recordedAt: new Date("2025-06-01T09:00:00.000Z"),
  };
}

function replay(events: readonly RecordedEvent[]) {
  return events
    .map(orderAggregate.fromStored)
    .reduce(orderAggregate.decider.evolve, orderAggregate.decider.initialState);
}

describe("OrderPlaced v1 → v2", () => {
  it("reads a stored v1 event in today's shape", () => {
    expect(orderAggregate.fromStored(recorded("OrderPlaced", orderPlacedV1, 1))).toEqual({
      type: "OrderPlaced",
      data: orderPlacedToday,
    });
  });

  it("is a pure (data, schemaVersion) function projectors can call", () => {
    expect(upcastOrderEvent("OrderPlaced", orderPlacedV1, 1)).toEqual(orderPlacedToday);
    expect(upcastOrderEvent("OrderPlaced", orderPlacedToday, 2)).toEqual(orderPlacedToday);
  });

  it("keeps an address it cannot split whole, in line1", () => {
    const data = { ...orderPlacedV1, shippingAddress: "c/o Reception, Pier 39" };
    expect(upcastOrderEvent("OrderPlaced", data, 1).shippingAddress).toEqual({
      line1: "c/o Reception, Pier 39",
      city: "",
      postalCode: "",
      country: "",
      region: UNKNOWN_REGION,
    });
  });

  it("folds an old-shape history into the right state, and the order carries on", () => {
    const state = replay([
      recorded("OrderPlaced", orderPlacedV1, 1, 0),
      recorded("PaymentConfirmed", paymentConfirmedV1, 1, 1),
    ]);
    expect(state).toEqual({
      status: "paid",
      orderId: "o-legacy",
      customerId: "c-7",
      currency: "USD",
      total: 4290,
      lines: [
        { productId: "p-mug", quantity: 2 },
        { productId: "p-tea", quantity: 3 },
      ],
      subtotal: orderPlacedV1.subtotal,
      tax: orderPlacedV1.tax,
      paidAt: "2025-06-01T09:05:00.000Z",
      // Placed before the products held stock: the order went straight to payment.
      stockOnProducts: false,
    });
    const shipped = orderAggregate.decider.decide(
      { type: "ShipOrder", orderId: "o-legacy", trackingNumber: "1Z1", at: "2025-06-02T10:00:00Z" },
      state,
    );
    expect(shipped.map((event) => event.type)).toEqual(["OrderShipped"]);
  });

  it("passes today's events through untouched", () => {
    const event: OrderEvent = { type: "OrderPlaced", data: orderPlacedToday };
    expect(orderAggregate.fromStored(recorded("OrderPlaced", orderPlacedToday, 2))).toEqual(event);
  });

  it("writes OrderPlaced as version 2 and the other events as version 1", () => {
    expect(orderAggregate.schemaVersionOf({ type: "OrderPlaced", data: orderPlacedToday })).toBe(2);
    expect(orderAggregate.schemaVersionOf({ type: "PaymentConfirmed", data: paymentConfirmedV1 })).toBe(1);
    expect(
      productAggregate.schemaVersionOf({
        type: "ProductDiscontinued",
        data: { productId: "p", discontinuedAt: "" },
      }),
    ).toBe(1);
  });

  it.each([
    ["a version newer than this code", recorded("OrderPlaced", orderPlacedToday, 3)],
    ["version 0", recorded("OrderPlaced", orderPlacedV1, 0)],
    ["an unknown type", recorded("OrderTeleported", {}, 1)],
  ])("refuses %s rather than misread it", (_, event) => {
    expect(() => orderAggregate.fromStored(event)).toThrow(UnreadableEvent);
  });
});

describe("Upcasting events read back from a real store (PGlite)", () => {
  let test: TestEventStore;
  beforeAll(async () => {
    test = await createPgliteTestStore();
  });
  afterAll(() => test?.close());

  /** What the first release left in the store for one paid order. */
  async function appendLegacyOrder(orderId: string): Promise<string> {
    const streamId = orderAggregate.streamId(orderId);
    await test.store.appendToStream(streamId, [
      { id: randomUUID(), type: "OrderPlaced", data: { ...orderPlacedV1, orderId }, schemaVersion: 1 },
      {
        id: randomUUID(),
        type: "PaymentConfirmed",
        data: { ...paymentConfirmedV1, orderId },
        schemaVersion: 1,
      },
    ]);
    return streamId;
  }

  it("reads a v1 OrderPlaced appended as schema version 1 in today's shape", async () => {
    const stored = await test.store.readStream(await appendLegacyOrder("o-legacy"));
    expect(stored.map((event) => event.schemaVersion)).toEqual([1, 1]);
    expect(stored[0]!.data).toEqual(orderPlacedV1);
    expect(orderAggregate.fromStored(stored[0]!)).toEqual({ type: "OrderPlaced", data: orderPlacedToday });
    expect(replay(stored)).toMatchObject({ status: "paid", total: 4290 });
  });

  it("runs commands on an old stream and writes new events at today's version", async () => {
    const legacyStream = await appendLegacyOrder("o-old");
    const runtime = new CommandRuntime({ store: test.store });
    const now = new Date("2025-06-02T10:00:00.000Z");
    await runtime.execute(
      orderAggregate,
      "o-old",
      { type: "ShipOrder", orderId: "o-old", trackingNumber: "1Z1", at: now.toISOString() },
      { now },
    );
    await runtime.execute(
      orderAggregate,
      "o-new",
      {
        type: "PlaceOrder",
        orderId: "o-new",
        customerId: "c-7",
        currency: "USD",
        lines: [{ productId: "p-mug", quantity: 1, unitPrice: 1250 }],
        shippingAddress: {
          line1: "1 Market St",
          city: "SF",
          postalCode: "94105",
          country: "US",
          region: "US-CA",
        },
        at: now.toISOString(),
      },
      { now },
    );
    const legacy = await test.store.readStream(legacyStream);
    expect(legacy.map((event) => [event.type, event.schemaVersion])).toEqual([
      ["OrderPlaced", 1],
      ["PaymentConfirmed", 1],
      ["OrderShipped", 1],
    ]);
    const [placed] = await test.store.readStream(orderAggregate.streamId("o-new"));
    expect(placed).toMatchObject({
      type: "OrderPlaced",
      schemaVersion: 2,
      data: { region: "US-CA", total: 1341 },
    });
  });
});
