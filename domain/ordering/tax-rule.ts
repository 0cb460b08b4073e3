import { ValidationError } from "../shared/errors";
import { instantMillis } from "./instants";
import { MAX_TAX_RATE_BPS } from "./tax";

/**
 * A tax rule applied after the fact: every paid order placed before an instant (in one tax region,
 * or all) owes tax at a new rate. Its id names the rule, so running the same rule again is
 * recognisable in the orders it changed (`OrderTaxRecalculated.correctionId`).
 */
export interface TaxCorrectionRule {
  /** The rate, in basis points (500 = 5 %). */
  readonly rateBps: number;
  /** Orders placed strictly before this instant (ISO-8601, UTC). */
  readonly placedBefore: string;
  /** Only orders of this tax region ("US-CA", "DE"); null: every region. */
  readonly region: string | null;
}

/** The rule as a person types it: a rate ("5%", "7.25%", "725bp"), a date or instant, a region. */
export interface TaxCorrectionInput {
  readonly rate: string;
  readonly placedBefore: string;
  readonly region?: string | null;
}

const percent = /^(\d{1,3})(?:\.(\d{1,2}))?\s*%$/;
const basisPoints = /^(\d{1,5})\s*bp$/;
const calendarDate = /^\d{4}-\d{2}-\d{2}$/;
const regionCode = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

/** A rate as "5%", "7.25%" (at most two decimals: a basis point) or "725bp", in basis points. */
export function parseTaxRate(text: string): number {
  const trimmed = text.trim();
  const inPercent = percent.exec(trimmed);
  const inBasisPoints = basisPoints.exec(trimmed);
  let rateBps: number | null = null;
  if (inPercent) rateBps = Number(inPercent[1]) * 100 + Number((inPercent[2] ?? "").padEnd(2, "0"));
  else if (inBasisPoints) rateBps = Number(inBasisPoints[1]);
  if (rateBps === null) {
    throw new ValidationError("rate", `"${text}" is not a rate: write it as "5%", "7.25%" or "725bp"`);
  }
  if (rateBps > MAX_TAX_RATE_BPS) {
    throw new ValidationError("rate", `"${text}" is more than 100 %`);
  }
  return rateBps;
}

/** A day ("2026-11-01": its start, UTC) or an ISO-8601 instant, as an instant in UTC. */
export function parsePlacedBefore(text: string): string {
  const trimmed = text.trim();
  const instant = calendarDate.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed;
  const millis = instantMillis(instant);
  if (millis === null) {
    throw new ValidationError(
      "placedBefore",
      `"${text}" is not a date or an instant: write it as "2026-11-01" or "2026-11-01T12:00:00Z"`,
    );
  }
  return isoFromMillis(millis);
}

/** The rule from what a person typed; a ValidationError naming the field otherwise. */
export function taxCorrectionRule(input: TaxCorrectionInput): TaxCorrectionRule {
  const region = input.region?.trim().toUpperCase() || null;
  if (region !== null && !regionCode.test(region)) {
    throw new ValidationError("region", `"${input.region}" is not a tax region code such as "US-CA" or "DE"`);
  }
  return {
    rateBps: parseTaxRate(input.rate),
    placedBefore: parsePlacedBefore(input.placedBefore),
    region,
  };
}

/**
 * The rule's id, from what it says: "tax-500bp-before-2026-11-01" (the day when the instant is a
 * day's start), with "-US-CA" for one region.
 */
export function taxCorrectionId(rule: TaxCorrectionRule): string {
  const before = rule.placedBefore.endsWith("T00:00:00.000Z")
    ? rule.placedBefore.slice(0, 10)
    : rule.placedBefore;
  return `tax-${rule.rateBps}bp-before-${before}${rule.region === null ? "" : `-${rule.region}`}`;
}

/** Whether an order placed at `placedAt` in `region` is one the rule is about. */
export function ruleCovers(rule: TaxCorrectionRule, placedAt: string, region: string): boolean {
  const placed = instantMillis(placedAt);
  const before = instantMillis(rule.placedBefore);
  if (placed === null || before === null || placed >= before) return false;
  return rule.region === null || rule.region === region;
}

/** Milliseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ", without Date (domain/ is pure). */
function isoFromMillis(millis: number): string {
  const days = floorDiv(millis, 86_400_000);
  const inDay = millis - days * 86_400_000;
  const [year, month, day] = civilDate(days);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const hours = floorDiv(inDay, 3_600_000);
  const minutes = floorDiv(inDay % 3_600_000, 60_000);
  const seconds = floorDiv(inDay % 60_000, 1000);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(inDay % 1000, 3)}Z`;
}

/** The calendar date of a day number since 1970-01-01 (the inverse of the era arithmetic). */
function civilDate(daysSinceEpoch: number): [number, number, number] {
  const z = daysSinceEpoch + 719_468;
  const era = floorDiv(z, 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = floorDiv(
    dayOfEra - floorDiv(dayOfEra, 1460) + floorDiv(dayOfEra, 36_524) - floorDiv(dayOfEra, 146_096),
    365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100));
  const monthFromMarch = floorDiv(5 * dayOfYear + 2, 153);
  const day = dayOfYear - floorDiv(153 * monthFromMarch + 2, 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Division rounded towards minus infinity, for whole numbers (Math is off limits in domain/). */
function floorDiv(dividend: number, divisor: number): number {
  const remainder = ((dividend % divisor) + divisor) % divisor;
  return (dividend - remainder) / divisor;
}
