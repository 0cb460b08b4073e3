import { describe, expect, it } from "vitest";
import { idProblem } from "../../domain/shared/ids";
import { generationKeys, part, partitionName, readModelKeys, viewKeys } from "../../readmodels/keys";
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

describe("the cluster key layout", () => {
  /** The hash tag Redis Cluster hashes a key by: between the first "{" and the next "}", if not empty. */
  function hashTag(key: string): string {
    const open = key.indexOf("{");
    const close = open < 0 ? -1 : key.indexOf("}", open + 1);
    return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  }
  const base = readModelKeys("ll:", "ll:", { cluster: true });

  it("puts every key of a view's generation, its checkpoints and its generation record under the view's tag", () => {
    for (const generation of [0, 1, 7]) {
      const at = generationKeys(base, "accounts", generation);
      const keys = [
        at.account("acc-1"),
        at.accountHistory("acc-1"),
        at.ownerAccounts("olga"),
        at.checkpoint("accounts"),
        at.checkpoint(partitionName("accounts", 1, 2)),
        at.ledger("accounts"),
        base.viewGeneration("accounts"),
      ];
      for (const key of keys) expect(hashTag(key), key).toBe("accounts");
    }
    // Generations of one view never share a prefix (a rebuild removes one without touching another).
    const prefixes = [0, 1, 2].map((g) => base.generationPrefix("accounts", g));
    expect(new Set(prefixes).size).toBe(3);
    for (const [i, prefix] of prefixes.entries()) {
      for (const other of prefixes.slice(i + 1)) {
        expect(other.startsWith(prefix) || prefix.startsWith(other)).toBe(false);
      }
    }
  });

  it("gives each view its own tag, whatever ids its keys hold, and the queues one of their own", () => {
    const ids = strings(200, 3);
    const orders = generationKeys(base, "orders", 0);
    for (const id of ids) {
      expect(hashTag(orders.order(id))).toBe("orders");
      expect(hashTag(orders.customerOrderHistory(id))).toBe("orders");
    }
    expect(hashTag(base.queuePrefix())).toBe("bull");
    expect(base.isJobKey(`${base.queuePrefix()}:maintenance:1`)).toBe(true);
    expect(viewKeys(base, "orders").order("o-1")).toBe(orders.order("o-1"));
  });

  it("leaves the single layout as it always was, and refuses a prefix with a brace on a cluster", () => {
    const single = readModelKeys("ll:");
    expect(single.account("acc-1")).toBe("ll:account:acc-1");
    expect(single.generationPrefix("accounts", 0)).toBe("ll:");
    expect(single.generationPrefix("accounts", 2)).toBe("ll:gen:accounts:2:");
    expect(single.queuePrefix()).toBe("ll:bull");
    expect(viewKeys(single, "accounts")).toBe(single);
    expect(() => readModelKeys("ll{x}:", "ll{x}:", { cluster: true })).toThrow(/may not contain/);
  });
});
