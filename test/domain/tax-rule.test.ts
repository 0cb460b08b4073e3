import { describe, expect, it } from "vitest";
import { ValidationError } from "../../domain/shared/errors";
import {
  parsePlacedBefore,
  parseTaxRate,
  ruleCovers,
  taxCorrectionId,
  taxCorrectionRule,
} from "../../domain/ordering/tax-rule";

function refusal(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { field: (error as ValidationError).field, message: (error as Error).message };
  }
  throw new Error("expected a ValidationError");
}

describe("a tax correction rule", () => {
  it("reads rates in percent (up to a basis point) and in basis points", () => {
    expect(parseTaxRate("5%")).toBe(500);
    expect(parseTaxRate(" 7.25 % ")).toBe(725);
    expect(parseTaxRate("7.5%")).toBe(750);
    expect(parseTaxRate("0%")).toBe(0);
    expect(parseTaxRate("100%")).toBe(10_000);
    expect(parseTaxRate("725bp")).toBe(725);
  });

  it("refuses a rate it cannot read, or above 100 %, naming the field", () => {
    for (const text of ["5", "five%", "7.255%", "-5%", "1e2%", "", "5%%", "0x10bp"]) {
      expect(refusal(() => parseTaxRate(text)).field).toBe("rate");
    }
    expect(refusal(() => parseTaxRate("100.01%")).message).toContain("more than 100 %");
    expect(refusal(() => parseTaxRate("10001bp")).field).toBe("rate");
  });

  it("reads a day as its start in UTC, and an instant in any offset as UTC", () => {
    expect(parsePlacedBefore("2026-11-01")).toBe("2026-11-01T00:00:00.000Z");
    expect(parsePlacedBefore("2026-11-01T12:30:05.250+02:00")).toBe("2026-11-01T10:30:05.250Z");
    expect(parsePlacedBefore("2024-02-29")).toBe("2024-02-29T00:00:00.000Z");
    expect(parsePlacedBefore("2027-01-01T00:30:00+01:00")).toBe("2026-12-31T23:30:00.000Z");
    expect(parsePlacedBefore("1969-12-31T23:59:59Z")).toBe("1969-12-31T23:59:59.000Z");
  });

  it("refuses a day that does not exist, or text that is no date", () => {
    for (const text of ["2026-02-30", "2025-02-29", "yesterday", "2026-13-01", "2026-11-01T25:00:00Z", ""]) {
      expect(refusal(() => parsePlacedBefore(text)).field).toBe("placedBefore");
    }
  });

  it("names itself from what it says, with the region when it has one", () => {
    const rule = taxCorrectionRule({ rate: "5%", placedBefore: "2026-11-01" });
    expect(rule).toEqual({ rateBps: 500, placedBefore: "2026-11-01T00:00:00.000Z", region: null });
    expect(taxCorrectionId(rule)).toBe("tax-500bp-before-2026-11-01");
    const regional = taxCorrectionRule({ rate: "8%", placedBefore: "2026-11-01T06:00:00Z", region: "us-ca" });
    expect(taxCorrectionId(regional)).toBe("tax-800bp-before-2026-11-01T06:00:00.000Z-US-CA");
    expect(
      refusal(() => taxCorrectionRule({ rate: "5%", placedBefore: "2026-11-01", region: "C*" })).field,
    ).toBe("region");
  });

  it("covers orders placed strictly before its instant, in its region", () => {
    const rule = taxCorrectionRule({ rate: "5%", placedBefore: "2026-11-01", region: "DE" });
    expect(ruleCovers(rule, "2026-10-31T23:59:59.999Z", "DE")).toBe(true);
    expect(ruleCovers(rule, "2026-11-01T00:00:00Z", "DE")).toBe(false);
    expect(ruleCovers(rule, "2026-10-01T00:00:00Z", "FR")).toBe(false);
    const everywhere = { ...rule, region: null };
    expect(ruleCovers(everywhere, "2026-10-01T00:00:00Z", "FR")).toBe(true);
  });
});
