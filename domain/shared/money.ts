import { ValidationError } from "./errors";

/**
 * Money is never a float (binary fractions cannot hold 0.10 exactly, and sums of them drift):
 * amounts are integers in the currency's minor unit (cents for USD, yen for JPY), parsed from and
 * printed to decimal strings at the edge. Amounts are kept within Number.MAX_SAFE_INTEGER so JSON,
 * Redis HINCRBY and JS agree exactly.
 */
export type MinorUnits = number;

/** ISO 4217 codes accepted, with their number of decimal places. */
const minorUnitDigits: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  CAD: 2,
  AUD: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  JPY: 0,
  KRW: 0,
  BHD: 3,
  KWD: 3,
};

export const MAX_AMOUNT: MinorUnits = Number.MAX_SAFE_INTEGER;

export function currencyDigits(currency: string): number {
  const digits = minorUnitDigits[currency];
  if (digits === undefined) {
    throw new ValidationError(
      "currency",
      `Unknown currency "${currency}"; accepted: ${Object.keys(minorUnitDigits).join(", ")}`,
    );
  }
  return digits;
}

export function assertCurrency(currency: string): void {
  currencyDigits(currency);
}

/** Parses "10000.00" into minor units; rejects negatives, zero, too many decimals, NaN and overflow. */
export function parsePositiveAmount(text: string, currency: string, field = "amount"): MinorUnits {
  const digits = currencyDigits(currency);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) {
    // A negative amount is a mistake of sign, not of form: say so (a withdrawal is its own command).
    if (/^-\s*\d+(\.\d+)?$/.test(text.trim())) {
      throw new ValidationError(field, `The ${field} must be greater than zero; got "${text}"`);
    }
    throw new ValidationError(field, `"${text}" is not a decimal amount like "12.34"`);
  }
  const whole = match[1]!;
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    throw new ValidationError(
      field,
      `"${text}" has ${fraction.length} decimals; ${currency} allows at most ${digits}`,
    );
  }
  const minor = BigInt(whole + fraction.padEnd(digits, "0"));
  if (minor === 0n) throw new ValidationError(field, `The ${field} must be greater than zero`);
  if (minor > BigInt(MAX_AMOUNT)) throw new ValidationError(field, `"${text}" is too large`);
  return Number(minor);
}

/** Prints minor units as a decimal string with the currency's exact number of decimals. */
export function formatAmount(minor: MinorUnits | bigint, currency: string): string {
  const digits = currencyDigits(currency);
  const value = BigInt(minor);
  const sign = value < 0n ? "-" : "";
  const abs = (value < 0n ? -value : value).toString().padStart(digits + 1, "0");
  if (digits === 0) return sign + abs;
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/** Guards sums against leaving the exact integer range. */
export function addMinor(a: MinorUnits, b: MinorUnits, field = "amount"): MinorUnits {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new ValidationError(field, "The result would be too large");
  return sum;
}
