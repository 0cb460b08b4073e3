import { describe, expect, it } from "vitest";
import type { ProductCommand } from "../../domain/catalog/commands";
import { productDecider } from "../../domain/catalog/decider";
import { ProductAlreadyExists, ProductDiscontinuedError, ProductNotFound } from "../../domain/catalog/errors";
import type { ProductEvent } from "../../domain/catalog/events";
import { ValidationError } from "../../domain/shared/errors";
import { deciderSpec } from "../support/decider-spec";

const spec = deciderSpec(productDecider);
const productId = "p-1";
const at = "2026-01-01T10:00:00.000Z";

const add = (overrides: Partial<Extract<ProductCommand, { type: "AddProduct" }>> = {}): ProductCommand => ({
  type: "AddProduct",
  productId,
  sku: "MUG-001",
  name: "Ceramic mug",
  price: 1250,
  currency: "EUR",
  initialStock: 40,
  at,
  ...overrides,
});
const restock = (quantity: number): ProductCommand => ({ type: "RestockProduct", productId, quantity, at });
const changePrice = (price: number, currency = "EUR"): ProductCommand => ({
  type: "ChangePrice",
  productId,
  price,
  currency,
  at,
});
const discontinue: ProductCommand = { type: "DiscontinueProduct", productId, at };

const added = (initialStock = 40): ProductEvent => ({
  type: "ProductAdded",
  data: {
    productId,
    sku: "MUG-001",
    name: "Ceramic mug",
    price: 1250,
    currency: "EUR",
    initialStock,
    addedAt: at,
  },
});
const restocked = (quantity: number): ProductEvent => ({
  type: "ProductRestocked",
  data: { productId, quantity, restockedAt: at },
});
const priceChanged = (oldPrice: number, newPrice: number): ProductEvent => ({
  type: "PriceChanged",
  data: { productId, oldPrice, newPrice, currency: "EUR", changedAt: at },
});
const discontinued: ProductEvent = { type: "ProductDiscontinued", data: { productId, discontinuedAt: at } };

const reserve = (orderId: string, quantity: number): ProductCommand => ({
  type: "ReserveStock",
  productId,
  orderId,
  quantity,
  at,
});
const release = (orderId: string): ProductCommand => ({ type: "ReleaseStock", productId, orderId, at });
const sell = (orderId: string): ProductCommand => ({ type: "SellReservedStock", productId, orderId, at });
const giveBack = (orderId: string, quantity: number): ProductCommand => ({
  type: "ReturnStock",
  productId,
  orderId,
  quantity,
  at,
});
const reserved = (orderId: string, quantity: number, available: number): ProductEvent => ({
  type: "StockReserved",
  data: { productId, orderId, quantity, available, reservedAt: at },
});
const refused = (
  orderId: string,
  requested: number,
  available: number,
  reason: "insufficient_stock" | "discontinued" = "insufficient_stock",
): ProductEvent => ({
  type: "StockReservationRefused",
  data: { productId, orderId, requested, available, reason, refusedAt: at },
});
const released = (orderId: string, quantity: number): ProductEvent => ({
  type: "StockReleased",
  data: { productId, orderId, quantity, releasedAt: at },
});
const sold = (orderId: string, quantity: number): ProductEvent => ({
  type: "StockSold",
  data: { productId, orderId, quantity, soldAt: at },
});
const returned = (orderId: string, quantity: number): ProductEvent => ({
  type: "StockReturned",
  data: { productId, orderId, quantity, returnedAt: at },
});

describe("Product", () => {
  describe("when not in the catalog", () => {
    it("is added", () => spec.given([]).when(add()).then([added()]));
    it("is added with no stock yet", () =>
      spec
        .given([])
        .when(add({ initialStock: 0 }))
        .then([added(0)]));
    it("records the name without surrounding spaces", () =>
      spec
        .given([])
        .when(add({ name: "  Ceramic mug " }))
        .then([added()]));
    it.each(["", " MUG", "MUG 001", "-MUG", "x".repeat(65)])("refuses the SKU %j", (sku) =>
      spec.given([]).when(add({ sku })).thenThrows(ValidationError, { field: "sku" }),
    );
    it.each(["", "   ", "x".repeat(201)])("refuses the name %j", (name) =>
      spec.given([]).when(add({ name })).thenThrows(ValidationError, { field: "name" }),
    );
    it.each([0, -100, 12.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])("refuses a price of %s", (price) =>
      spec.given([]).when(add({ price })).thenThrows(ValidationError, { field: "price" }),
    );
    it("refuses an unknown currency", () =>
      spec
        .given([])
        .when(add({ currency: "XXX" }))
        .thenThrows(ValidationError, { field: "currency" }));
    it.each([-1, 2.5, Number.NaN])("refuses an initial stock of %s", (initialStock) =>
      spec.given([]).when(add({ initialStock })).thenThrows(ValidationError, { field: "initialStock" }),
    );
    it.each([restock(5), changePrice(1500), discontinue])("refuses $type", (command) =>
      spec.given([]).when(command).thenThrows(ProductNotFound, { productId }),
    );
  });

  describe("when in the catalog", () => {
    it("refuses to be added twice", () =>
      spec.given([added()]).when(add()).thenThrows(ProductAlreadyExists, { productId }));
    it("is restocked", () =>
      spec
        .given([added()])
        .when(restock(10))
        .then([restocked(10)]));
    it.each([0, -3, 1.5])("refuses a restock of %s", (quantity) =>
      spec.given([added()]).when(restock(quantity)).thenThrows(ValidationError, { field: "quantity" }),
    );
    it("refuses a restock that would overflow the stock", () =>
      spec
        .given([added(Number.MAX_SAFE_INTEGER - 1)])
        .when(restock(2))
        .thenThrows(ValidationError, { field: "quantity" }));
    it("counts restocks into the stock on hand", () =>
      spec
        .given([added(40), restocked(10), restocked(5)])
        .thenState({ status: "active", stock: { onHand: 55, reserved: 0, reservations: {} } }));
    it("changes its price, naming the old one", () =>
      spec
        .given([added()])
        .when(changePrice(1500))
        .then([priceChanged(1250, 1500)]));
    it("records nothing when the price is the same", () =>
      spec.given([added()]).when(changePrice(1250)).thenNothingHappens());
    it("compares with the latest price", () =>
      spec
        .given([added(), priceChanged(1250, 1500)])
        .when(changePrice(1250))
        .then([priceChanged(1500, 1250)]));
    it.each([0, -1, 9.99])("refuses a new price of %s", (price) =>
      spec.given([added()]).when(changePrice(price)).thenThrows(ValidationError, { field: "price" }),
    );
    it("refuses a price in another currency", () =>
      spec
        .given([added()])
        .when(changePrice(1500, "USD"))
        .thenThrows(ValidationError, { field: "currency" }));
    it("is discontinued", () => spec.given([added()]).when(discontinue).then([discontinued]));
  });

  describe("when discontinued", () => {
    const history = [added(), discontinued];
    it.each([restock(5), changePrice(1500), discontinue])("refuses $type", (command) =>
      spec.given(history).when(command).thenThrows(ProductDiscontinuedError, { productId }),
    );
    it("refuses to be added again", () => spec.given(history).when(add()).thenThrows(ProductAlreadyExists));
    it("keeps its identity", () => spec.given(history).thenState({ status: "discontinued", sku: "MUG-001" }));
  });

  describe("stock held for orders", () => {
    it("reserves what fits, saying what stays available", () =>
      spec
        .given([added(10)])
        .when(reserve("o-1", 4))
        .then([reserved("o-1", 4, 6)]));
    it("reserves the last unit", () =>
      spec
        .given([added(10), reserved("o-1", 9, 1)])
        .when(reserve("o-2", 1))
        .then([reserved("o-2", 1, 0)]));
    it("refuses more than is available, saying how many were", () =>
      spec
        .given([added(10), reserved("o-1", 8, 2)])
        .when(reserve("o-2", 3))
        .then([refused("o-2", 3, 2)]));
    it("counts released units as available again", () =>
      spec
        .given([added(10), reserved("o-1", 8, 2), released("o-1", 8)])
        .when(reserve("o-2", 10))
        .then([reserved("o-2", 10, 0)]));
    it("counts sold units as gone and returned ones as back", () =>
      spec
        .given([added(10), reserved("o-1", 8, 2), sold("o-1", 8), returned("o-1", 3)])
        .thenState({ status: "active", stock: { onHand: 5, reserved: 0, reservations: {} } }));
    it("holds one reservation per order: asking again records nothing", () =>
      spec
        .given([added(10), reserved("o-1", 4, 6)])
        .when(reserve("o-1", 4))
        .thenNothingHappens());
    it("refuses a discontinued product's units", () =>
      spec
        .given([added(10), discontinued])
        .when(reserve("o-1", 1))
        .then([refused("o-1", 1, 10, "discontinued")]));
    it("refuses an unknown product", () =>
      spec.given([]).when(reserve("o-1", 1)).thenThrows(ProductNotFound));
    it.each([0, -1, 1.5])("refuses a reservation of %s units", (quantity) =>
      spec
        .given([added(10)])
        .when(reserve("o-1", quantity))
        .thenThrows(ValidationError, { field: "quantity" }),
    );
    it("releases what the order holds", () =>
      spec
        .given([added(10), reserved("o-1", 4, 6)])
        .when(release("o-1"))
        .then([released("o-1", 4)]));
    it("releases nothing for an order that holds nothing (or released already)", () =>
      spec
        .given([added(10), reserved("o-1", 4, 6), released("o-1", 4)])
        .when(release("o-1"))
        .thenNothingHappens());
    it("sells what the order holds", () =>
      spec
        .given([added(10), reserved("o-1", 4, 6)])
        .when(sell("o-1"))
        .then([sold("o-1", 4)]));
    it("sells nothing twice", () =>
      spec
        .given([added(10), reserved("o-1", 4, 6), sold("o-1", 4)])
        .when(sell("o-1"))
        .thenNothingHappens());
    it("still settles an order's units after the product is discontinued", () =>
      spec
        .given([added(10), reserved("o-1", 4, 6), discontinued])
        .when(sell("o-1"))
        .then([sold("o-1", 4)]));
    it("takes returned units back", () =>
      spec
        .given([added(10), reserved("o-1", 4, 6), sold("o-1", 4)])
        .when(giveBack("o-1", 4))
        .then([returned("o-1", 4)]));
    it.each([0, -2])("refuses a return of %s units", (quantity) =>
      spec
        .given([added(10)])
        .when(giveBack("o-1", quantity))
        .thenThrows(ValidationError, { field: "quantity" }),
    );
    it("never lets available go below zero, whatever the order of requests", () => {
      let events: ProductEvent[] = [added(10)];
      for (let i = 0; i < 30; i++) {
        const state = events.reduce(productDecider.evolve, productDecider.initialState);
        events = [...events, ...productDecider.decide(reserve(`o-${i}`, 1 + (i % 3)), state)];
        if (i % 7 === 6) {
          const after = events.reduce(productDecider.evolve, productDecider.initialState);
          events = [...events, ...productDecider.decide(release(`o-${i - 3}`), after)];
        }
        const now = events.reduce(productDecider.evolve, productDecider.initialState);
        if (now.status !== "active") throw new Error("the product should be active");
        expect(now.stock.onHand - now.stock.reserved).toBeGreaterThanOrEqual(0);
        expect(now.stock.reserved).toBe(Object.values(now.stock.reservations).reduce((a, b) => a + b, 0));
      }
    });
  });
});
