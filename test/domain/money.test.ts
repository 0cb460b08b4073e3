import { describe, expect, it } from "vitest";
import { ValidationError } from "../../domain/shared/errors";
import { formatAmount, parsePositiveAmount } from "../../domain/shared/money";

describe("Money at the edge", () => {
  it.each([
    ["10000.00", "USD", 1_000_000],
    ["10000", "USD", 1_000_000],
    ["0.01", "USD", 1],
    ["12.5", "EUR", 1250],
    ["500", "JPY", 500],
    ["1.234", "BHD", 1234],
  ])("parses %s %s into %i minor units", (text, currency, minor) => {
    expect(parsePositiveAmount(text, currency)).toBe(minor);
  });

  it.each([
    "-1.00",
    "0",
    "0.00",
    "1.234",
    "abc",
    "",
    "1e3",
    "NaN",
    "Infinity",
    " 1,00",
    "99999999999999999999",
  ])("refuses %j", (text) => {
    expect(() => parsePositiveAmount(text, "USD")).toThrow(ValidationError);
  });

  it("says a negative amount must be greater than zero, not that it is malformed", () => {
    expect(() => parsePositiveAmount("-1", "USD")).toThrow('The amount must be greater than zero; got "-1"');
    expect(() => parsePositiveAmount("-1.00", "USD")).toThrow(/must be greater than zero/);
    expect(() => parsePositiveAmount("-abc", "USD")).toThrow(/is not a decimal amount/);
  });

  it("refuses decimals on a currency without minor units", () => {
    expect(() => parsePositiveAmount("1.5", "JPY")).toThrow(/at most 0/);
  });

  it.each([
    [1_000_000, "USD", "10000.00"],
    [5, "USD", "0.05"],
    [-250, "EUR", "-2.50"],
    [0, "USD", "0.00"],
    [42, "JPY", "42"],
    [Number.MAX_SAFE_INTEGER, "USD", "90071992547409.91"],
  ])("prints %i %s as %s", (minor, currency, text) => {
    expect(formatAmount(minor, currency)).toBe(text);
  });
});
