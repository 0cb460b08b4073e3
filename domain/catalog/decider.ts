import { assertNever, type Decider } from "../shared/decider";
import { ValidationError } from "../shared/errors";
import { assertCurrency } from "../shared/money";
import type { AddProduct, ChangePrice, DiscontinueProduct, ProductCommand, RestockProduct } from "./commands";
import { ProductAlreadyExists, ProductDiscontinuedError, ProductNotFound } from "./errors";
import type { ProductEvent } from "./events";
import { initialProductState, type ProductState } from "./state";

type ActiveState = Extract<ProductState, { status: "active" }>;

/** Letters, digits, dot, dash and underscore; starts with a letter or digit; at most 64 characters. */
const skuPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_NAME_LENGTH = 200;

function requireActive(state: ProductState, productId: string): ActiveState {
  if (state.status === "unlisted") throw new ProductNotFound(productId);
  if (state.status === "discontinued") throw new ProductDiscontinuedError(productId);
  return state;
}

function requireWholeNumber(value: number, field: string, minimum: 0 | 1): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    const least = minimum === 0 ? "zero or more" : "a positive whole number";
    throw new ValidationError(field, `The ${field} must be ${least}`);
  }
}

function add(command: AddProduct, state: ProductState): ProductEvent[] {
  if (state.status !== "unlisted") throw new ProductAlreadyExists(command.productId);
  if (!skuPattern.test(command.sku)) {
    throw new ValidationError("sku", `"${command.sku}" is not a SKU (letters, digits, . _ -; up to 64)`);
  }
  const name = command.name.trim();
  if (name === "") throw new ValidationError("name", "The product needs a name");
  if (name.length > MAX_NAME_LENGTH) {
    throw new ValidationError("name", `The name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  requireWholeNumber(command.price, "price", 1);
  assertCurrency(command.currency);
  requireWholeNumber(command.initialStock, "initialStock", 0);
  return [
    {
      type: "ProductAdded",
      data: {
        productId: command.productId,
        sku: command.sku,
        name,
        price: command.price,
        currency: command.currency,
        initialStock: command.initialStock,
        addedAt: command.at,
      },
    },
  ];
}

function restock(command: RestockProduct, state: ProductState): ProductEvent[] {
  const product = requireActive(state, command.productId);
  requireWholeNumber(command.quantity, "quantity", 1);
  if (!Number.isSafeInteger(product.stockReceived + command.quantity)) {
    throw new ValidationError("quantity", "The stock would grow too large");
  }
  return [
    {
      type: "ProductRestocked",
      data: { productId: command.productId, quantity: command.quantity, restockedAt: command.at },
    },
  ];
}

function changePrice(command: ChangePrice, state: ProductState): ProductEvent[] {
  const product = requireActive(state, command.productId);
  requireWholeNumber(command.price, "price", 1);
  if (command.currency !== product.currency) {
    throw new ValidationError(
      "currency",
      `Product ${command.productId} is priced in ${product.currency}; ${command.currency} was given`,
    );
  }
  // Re-sending today's price changes nothing, so it records nothing.
  if (command.price === product.price) return [];
  return [
    {
      type: "PriceChanged",
      data: {
        productId: command.productId,
        oldPrice: product.price,
        newPrice: command.price,
        currency: product.currency,
        changedAt: command.at,
      },
    },
  ];
}

function discontinue(command: DiscontinueProduct, state: ProductState): ProductEvent[] {
  requireActive(state, command.productId);
  return [
    { type: "ProductDiscontinued", data: { productId: command.productId, discontinuedAt: command.at } },
  ];
}

export function decide(command: ProductCommand, state: ProductState): ProductEvent[] {
  switch (command.type) {
    case "AddProduct":
      return add(command, state);
    case "RestockProduct":
      return restock(command, state);
    case "ChangePrice":
      return changePrice(command, state);
    case "DiscontinueProduct":
      return discontinue(command, state);
    default:
      return assertNever(command);
  }
}

/** Folds one event; never throws (events are facts already accepted). */
export function evolve(state: ProductState, event: ProductEvent): ProductState {
  switch (event.type) {
    case "ProductAdded":
      return {
        status: "active",
        productId: event.data.productId,
        sku: event.data.sku,
        name: event.data.name,
        price: event.data.price,
        currency: event.data.currency,
        stockReceived: event.data.initialStock,
      };
    case "ProductRestocked":
      if (state.status !== "active") return state;
      return { ...state, stockReceived: state.stockReceived + event.data.quantity };
    case "PriceChanged":
      if (state.status !== "active") return state;
      return { ...state, price: event.data.newPrice };
    case "ProductDiscontinued":
      if (state.status !== "active") return state;
      return { status: "discontinued", productId: state.productId, sku: state.sku };
    default:
      return assertNever(event);
  }
}

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = {
  decide,
  evolve,
  initialState: initialProductState,
};
