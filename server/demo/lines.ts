import type { OrderLineInput } from "../../domain/ordering/commands";
import { isOnSale, priceAt, productsIn, type DemoProduct } from "./catalog";
import type { DemoCustomer } from "./customers";
import type { Random } from "./random";

function line(item: DemoProduct, quantity: number, atMs: number, nowMs: number): OrderLineInput {
  return {
    productId: item.id,
    sku: item.sku,
    quantity,
    unitPrice: priceAt(item, atMs, nowMs),
    currency: item.currency,
  };
}

/** One to three different products on sale then, popular ones more often, mostly one of each. */
export function goodLines(random: Random, currency: string, atMs: number, nowMs: number): OrderLineInput[] {
  let candidates = productsIn(currency).filter((item) => isOnSale(item, atMs, nowMs));
  const wanted = random.weighted([
    [1, 5],
    [2, 3],
    [3, 2],
  ] as const);
  const lines: OrderLineInput[] = [];
  while (lines.length < wanted && candidates.length > 0) {
    const item = random.weighted(candidates.map((candidate) => [candidate, candidate.popularity] as const));
    candidates = candidates.filter((candidate) => candidate !== item);
    lines.push(line(item, random.chance(0.6) ? 1 : random.int(1, item.maxQuantity), atMs, nowMs));
  }
  return lines;
}

/** What a buggy client or a confused customer sends; the decider records each as OrderRejected. */
export function badLines(
  random: Random,
  customer: DemoCustomer,
  atMs: number,
  nowMs: number,
): OrderLineInput[] {
  const [first] = goodLines(random, customer.currency, atMs, nowMs);
  const foreign = productsIn(customer.currency === "EUR" ? "USD" : "EUR");
  switch (random.pick(["no_lines", "invalid_quantity", "duplicate_product", "currency_mismatch"] as const)) {
    case "no_lines":
      return [];
    case "invalid_quantity":
      return [{ ...first!, quantity: 0 }];
    case "duplicate_product":
      return [first!, { ...first!, quantity: 1 }];
    case "currency_mismatch":
      return [line(random.pick(foreign), 1, atMs, nowMs)];
  }
}
