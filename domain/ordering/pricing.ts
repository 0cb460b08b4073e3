import { MAX_AMOUNT, type MinorUnits } from "../shared/money";
import type { OrderLineInput } from "./commands";
import type { OrderLine, OrderRejectionReason } from "./events";
import { taxOn } from "./tax";

export type PricedOrder = {
  lines: OrderLine[];
  subtotal: MinorUnits;
  tax: MinorUnits;
  total: MinorUnits;
  itemCount: number;
};
export type Rejection = { reason: OrderRejectionReason; detail: string };

function isPositiveWhole(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/** The first thing wrong with the lines a customer sent, if any; a found problem becomes OrderRejected. */
function problemWith(lines: readonly OrderLineInput[], currency: string): Rejection | null {
  if (lines.length === 0) return { reason: "no_lines", detail: "An order needs at least one line" };
  const seen = new Set<string>();
  for (const [index, line] of lines.entries()) {
    const where = `Line ${index + 1} (${line.productId})`;
    if (!isPositiveWhole(line.quantity)) {
      return {
        reason: "invalid_quantity",
        detail: `${where}: quantity ${line.quantity} is not a positive whole number`,
      };
    }
    if (!isPositiveWhole(line.unitPrice)) {
      return {
        reason: "invalid_unit_price",
        detail: `${where}: unit price must be a positive whole number of minor units`,
      };
    }
    if (line.currency !== undefined && line.currency !== currency) {
      return {
        reason: "currency_mismatch",
        detail: `${where} is priced in ${line.currency}; the order is in ${currency}`,
      };
    }
    if (seen.has(line.productId)) {
      return {
        reason: "duplicate_product",
        detail: `${where}: the product is on an earlier line; merge the quantities`,
      };
    }
    seen.add(line.productId);
  }
  return null;
}

/**
 * Prices an order in exact integer minor units: line totals, subtotal, tax (tax.ts) and total.
 * Sums run in BigInt so an overflow is seen, never rounded away, and rejected as too large.
 */
export function priceOrder(
  input: readonly OrderLineInput[],
  currency: string,
  region: string,
): PricedOrder | Rejection {
  const problem = problemWith(input, currency);
  if (problem) return problem;
  let subtotal = 0n;
  let itemCount = 0n;
  for (const line of input) {
    subtotal += BigInt(line.quantity) * BigInt(line.unitPrice);
    itemCount += BigInt(line.quantity);
  }
  const tax = taxOn(subtotal, region);
  const total = subtotal + tax;
  if (total > BigInt(MAX_AMOUNT) || itemCount > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { reason: "amount_too_large", detail: "The order total is beyond what can be recorded exactly" };
  }
  return {
    lines: input.map((line) => ({
      productId: line.productId,
      sku: line.sku ?? null,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
    })),
    subtotal: Number(subtotal),
    tax: Number(tax),
    total: Number(total),
    itemCount: Number(itemCount),
  };
}

export function isRejection(result: PricedOrder | Rejection): result is Rejection {
  return "reason" in result;
}
