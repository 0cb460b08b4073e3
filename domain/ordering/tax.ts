/**
 * Sales tax / VAT by region code, in basis points (1 bp = 0.01 %). Regions are upper-case codes:
 * a US state as "US-CA", elsewhere the country ("DE"). A region not listed pays the default rate.
 */
export const taxRatesBps: Readonly<Record<string, number>> = {
  "US-CA": 725,
  "US-NY": 400,
  "US-TX": 625,
  "US-WA": 650,
  "US-OR": 0,
  CA: 500,
  GB: 2000,
  DE: 1900,
  FR: 2000,
  NL: 2100,
  CH: 810,
  JP: 1000,
};

export const DEFAULT_TAX_RATE_BPS = 1000;

export function taxRateBps(region: string): number {
  return Object.hasOwn(taxRatesBps, region) ? taxRatesBps[region]! : DEFAULT_TAX_RATE_BPS;
}

/**
 * Tax of an order: subtotal × rate, rounded half-up to a whole minor unit, once per order on the
 * subtotal (not per line, so line roundings never add up). Exact integer arithmetic: 1000 cents at
 * 725 bp is 72.5 → 73; 1010 cents is 73.225 → 73. The caller checks the result stays in range.
 */
export function taxOn(subtotal: bigint, region: string): bigint {
  return (subtotal * BigInt(taxRateBps(region)) + 5_000n) / 10_000n;
}

/** The subtotal at a rate given in basis points, rounded half-up once (as `taxOn`). */
export function taxAtRate(subtotal: bigint, rateBps: number): bigint {
  return (subtotal * BigInt(rateBps) + 5_000n) / 10_000n;
}

/** The highest rate a correction may apply: 100 %. */
export const MAX_TAX_RATE_BPS = 10_000;
