import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribeSse } from "../support/live";
import { startTestService, type TestService } from "../support/service";

/**
 * The revenue and top-customers reads of one currency, as finance uses them: a currency that is
 * not one is refused as bad input (by the queries and by the live views alike).
 */

let t: TestService;
let staff: string;
beforeAll(async () => {
  t = await startTestService();
  staff = await t.token("staff", "finance");
});
afterAll(async () => {
  await t?.stop();
});

async function asStaff<T>(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${staff}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: T | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

/** The error a refused currency gets: bad input, naming the argument and the currencies taken. */
function refusedCurrency(currency: string) {
  return expect.objectContaining({
    message: expect.stringContaining(`Unknown currency "${currency}"; accepted: USD, EUR, GBP`),
    extensions: expect.objectContaining({ code: "BAD_USER_INPUT", field: "currency" }),
  });
}

describe("a currency argument that is no currency", () => {
  it.each(["XYZ", ""])("is refused as bad input by revenue and topCustomers (%j)", async (currency) => {
    const revenue = await asStaff(
      `query($c: String) { revenue(currency: $c) { total { revenue { amount } } } }`,
      {
        c: currency,
      },
    );
    expect(revenue.errors).toEqual([refusedCurrency(currency)]);
    expect(revenue.data).toBeNull();

    const days = await asStaff(
      `query($c: String) { revenue(currency: $c) { days(from: "2026-01-01", to: "2026-01-31") { revenue { amount } } } }`,
      { c: currency },
    );
    expect(days.errors).toEqual([refusedCurrency(currency)]);

    const ranking = await asStaff(
      `query($c: String) { topCustomers(currency: $c) { customers { customerId } } }`,
      {
        c: currency,
      },
    );
    expect(ranking.errors).toEqual([refusedCurrency(currency)]);
  });

  it.each(["XYZ", ""])(
    "is refused as bad input by revenueUpdated and topCustomersUpdated (%j)",
    async (currency) => {
      for (const subscription of [
        `subscription($c: String) { revenueUpdated(currency: $c) { position revenue { revenue { amount } } } }`,
        `subscription($c: String) { topCustomersUpdated(currency: $c) { position topCustomers { currency } } }`,
      ]) {
        const live = await subscribeSse<{ errors?: unknown[] }>(
          t.url,
          subscription,
          { c: currency },
          { token: staff },
        );
        try {
          const [first] = await live.waitFor(1, 5_000);
          expect(first!.errors, subscription).toEqual([refusedCurrency(currency)]);
        } finally {
          await live.close();
        }
      }
    },
  );
});
