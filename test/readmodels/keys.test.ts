import { describe, expect, it } from "vitest";
import { idProblem } from "../../domain/shared/ids";
import { part, readModelKeys } from "../../readmodels/keys";
import { seeded as random } from "../support/load";

const alphabet = [
  "a",
  "b",
  "1",
  "-",
  ".",
  "_",
  ":",
  "%",
  "%3A",
  "{",
  "}",
  " ",
  "\n",
  "\u0000",
  "é",
  "😀",
  "\u00a0",
];

function strings(count: number, seed: number): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () =>
    Array.from(
      { length: Math.floor(next() * 8) },
      () => alphabet[Math.floor(next() * alphabet.length)]!,
    ).join(""),
  );
}

describe("key parts", () => {
  it("leave every id that follows the id rule unchanged", () => {
    for (const id of ["alice-main", "prod-1", "a.b_c-d", "Z".repeat(100), "0"]) {
      expect(idProblem(id)).toBeNull();
      expect(part(id)).toBe(id);
    }
  });

  it("never contain a separator, a hash tag brace or whitespace, whatever the value", () => {
    // eslint-disable-next-line no-control-regex -- a NUL in a key part is what this looks for
    for (const value of strings(5_000, 7)) expect(part(value)).not.toMatch(/[:{}\s\u0000]/u);
  });

  it("are injective: two different values never give the same part", () => {
    const seen = new Map<string, string>();
    for (const value of strings(20_000, 11)) {
      const encoded = part(value);
      const earlier = seen.get(encoded);
      if (earlier !== undefined) expect(earlier).toBe(value);
      seen.set(encoded, value);
    }
  });

  it("keep one entity's keys apart from another's, suffixes included", () => {
    const keys = readModelKeys("p:");
    expect(keys.account("acc-1:history")).not.toBe(keys.accountHistory("acc-1"));
    expect(keys.account("acc-1:transactions")).not.toBe(keys.accountTransactions("acc-1"));
    expect(keys.order("o-1:history")).not.toBe(keys.orderHistory("o-1"));
    expect(keys.inventory("prod-1:history")).not.toBe(keys.inventoryHistory("prod-1"));
    expect(keys.customerOrders("c:x")).not.toBe(keys.customerOrders("c%3Ax"));
  });
});
