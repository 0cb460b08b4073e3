import { describe, it } from "vitest";
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
    it("counts restocks into the stock received", () =>
      spec
        .given([added(40), restocked(10), restocked(5)])
        .thenState({ status: "active", stockReceived: 55 }));
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
});
