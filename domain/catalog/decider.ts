import { assertNever, type Decider } from "../shared/decider";
import { ValidationError } from "../shared/errors";
import { assertCurrency } from "../shared/money";
import type {
  AddProduct,
  ChangePrice,
  DiscontinueProduct,
  ProductCommand,
  ReleaseStock,
  ReserveStock,
  RestockProduct,
  ReturnStock,
  SellReservedStock,
} from "./commands";
import { ProductAlreadyExists, ProductDiscontinuedError, ProductNotFound } from "./errors";
import type { ProductEvent } from "./events";
import { availableUnits, initialProductState, type ProductState, type Stock } from "./state";

type ActiveState = Extract<ProductState, { status: "active" }>;
type ListedState = Exclude<ProductState, { status: "unlisted" }>;

const noStock: Stock = { onHand: 0, reserved: 0, reservations: {} };

/** Letters, digits, dot, dash and underscore; starts with a letter or digit; at most 64 characters. */
const skuPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_NAME_LENGTH = 200;

function requireActive(state: ProductState, productId: string): ActiveState {
  if (state.status === "unlisted") throw new ProductNotFound(productId);
  if (state.status === "discontinued") throw new ProductDiscontinuedError(productId);
  return state;
}

/** Stock moves on active and discontinued products alike: orders placed before still settle. */
function requireListed(state: ProductState, productId: string): ListedState {
  if (state.status === "unlisted") throw new ProductNotFound(productId);
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
  if (!Number.isSafeInteger(product.stock.onHand + command.quantity)) {
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

/**
 * One line of an order: reserved when it fits what is available, else the refusal is recorded with
 * what was available (the order process rejects the order with it). An order holds at most one
 * reservation per product, so asking again for an order that holds one records nothing.
 */
function reserve(command: ReserveStock, state: ProductState): ProductEvent[] {
  const product = requireListed(state, command.productId);
  requireWholeNumber(command.quantity, "quantity", 1);
  const { productId, orderId, quantity, at } = command;
  if (Object.hasOwn(product.stock.reservations, orderId)) return [];
  const available = availableUnits(product.stock);
  if (product.status === "discontinued" || quantity > available) {
    const reason = product.status === "discontinued" ? "discontinued" : "insufficient_stock";
    return [
      {
        type: "StockReservationRefused",
        data: { productId, orderId, requested: quantity, available, reason, refusedAt: at },
      },
    ];
  }
  return [
    {
      type: "StockReserved",
      data: { productId, orderId, quantity, available: available - quantity, reservedAt: at },
    },
  ];
}

function heldFor(state: ProductState, productId: string, orderId: string): number {
  const { stock } = requireListed(state, productId);
  return Object.hasOwn(stock.reservations, orderId) ? stock.reservations[orderId]! : 0;
}

function release(command: ReleaseStock, state: ProductState): ProductEvent[] {
  const { productId, orderId, at } = command;
  const quantity = heldFor(state, productId, orderId);
  if (quantity === 0) return [];
  return [{ type: "StockReleased", data: { productId, orderId, quantity, releasedAt: at } }];
}

function sell(command: SellReservedStock, state: ProductState): ProductEvent[] {
  const { productId, orderId, at } = command;
  const quantity = heldFor(state, productId, orderId);
  if (quantity === 0) return [];
  return [{ type: "StockSold", data: { productId, orderId, quantity, soldAt: at } }];
}

/** The order process sends each return once (its idempotency key); the product only checks the count. */
function giveBack(command: ReturnStock, state: ProductState): ProductEvent[] {
  const product = requireListed(state, command.productId);
  requireWholeNumber(command.quantity, "quantity", 1);
  if (!Number.isSafeInteger(product.stock.onHand + command.quantity)) {
    throw new ValidationError("quantity", "The stock would grow too large");
  }
  const { productId, orderId, quantity, at } = command;
  return [{ type: "StockReturned", data: { productId, orderId, quantity, returnedAt: at } }];
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
    case "ReserveStock":
      return reserve(command, state);
    case "ReleaseStock":
      return release(command, state);
    case "SellReservedStock":
      return sell(command, state);
    case "ReturnStock":
      return giveBack(command, state);
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
        stock: { ...noStock, onHand: event.data.initialStock },
      };
    case "ProductRestocked":
      if (state.status !== "active") return state;
      return { ...state, stock: { ...state.stock, onHand: state.stock.onHand + event.data.quantity } };
    case "PriceChanged":
      if (state.status !== "active") return state;
      return { ...state, price: event.data.newPrice };
    case "ProductDiscontinued":
      if (state.status !== "active") return state;
      return { status: "discontinued", productId: state.productId, sku: state.sku, stock: state.stock };
    case "StockReserved": {
      if (state.status === "unlisted") return state;
      const { orderId, quantity } = event.data;
      const { stock } = state;
      const reservations = { ...stock.reservations, [orderId]: quantity };
      return { ...state, stock: { ...stock, reserved: stock.reserved + quantity, reservations } };
    }
    case "StockReleased":
    case "StockSold": {
      if (state.status === "unlisted") return state;
      const { orderId, quantity } = event.data;
      const { stock } = state;
      const reservations = { ...stock.reservations };
      delete reservations[orderId];
      const onHand = event.type === "StockSold" ? stock.onHand - quantity : stock.onHand;
      return { ...state, stock: { onHand, reserved: stock.reserved - quantity, reservations } };
    }
    case "StockReturned":
      if (state.status === "unlisted") return state;
      return { ...state, stock: { ...state.stock, onHand: state.stock.onHand + event.data.quantity } };
    case "StockReservationRefused":
      // Recorded for the order's history and the audit; nothing was held.
      return state;
    default:
      return assertNever(event);
  }
}

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = {
  decide,
  evolve,
  initialState: initialProductState,
};
