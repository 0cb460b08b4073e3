import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparePositions, parsePosition } from "../../eventstore/position";
import { subscribeSse, type LiveSubscription } from "../support/live";
import {
  eventually,
  mutateOk,
  projectionsCaughtUp,
  startTestService,
  type TestService,
} from "../support/service";

/**
 * The revenue and top-customers reads of one currency, as finance uses them: a currency that is
 * not one is refused as bad input (by the queries and by the live views alike), and a currency
 * with no revenue yet is answered with its empty view, live too, then with every change.
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

const mutate = (name: string, input: Record<string, unknown>) => mutateOk(t, name, input);

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

type Figures = { orders: number; revenue: { amount: string }; netRevenue: { amount: string } };
type RevenuePush = {
  data: { revenueUpdated: { position: string; missedChanges: boolean; revenue: Figures } };
};
type Ranking = {
  currency: string;
  position: string | null;
  customers: { customerId: string; paid: { amount: string } }[];
};
type RankingPush = {
  data: { topCustomersUpdated: { position: string; missedChanges: boolean; topCustomers: Ranking } };
};

const figures = `orders revenue { amount } netRevenue { amount }`;
const ranking = `currency position customers { customerId paid { amount } }`;
const revenueLive = `subscription($since: Position) { revenueUpdated(currency: "GBP", since: $since) { position missedChanges revenue { ${figures} } } }`;
const rankingLive = `subscription($since: Position) { topCustomersUpdated(currency: "GBP", since: $since) { position missedChanges topCustomers { ${ranking} } } }`;

describe("the live revenue and ranking of a currency with no revenue yet", () => {
  it("push the empty view the queries answer first, then every change, and resume from the empty view's position", async () => {
    // Revenue in another currency only: GBP has none.
    await mutate("addProduct", {
      productId: "usd-mug",
      sku: "USD-MUG",
      name: "Mug",
      price: { amount: "8.00", currency: "USD" },
      initialStock: 10,
    });
    await mutate("addProduct", {
      productId: "gbp-mug",
      sku: "GBP-MUG",
      name: "Mug",
      price: { amount: "5.00", currency: "GBP" },
      initialStock: 10,
    });
    await projectionsCaughtUp(t);
    const address = { line1: "2 High St", city: "Leeds", postalCode: "LS1", country: "GB", region: "GB" };
    const pay = async (orderId: string, customerId: string, productId: string, currency: string) => {
      await mutate("placeOrder", {
        orderId,
        customerId,
        currency,
        lines: [{ productId, quantity: 1 }],
        shippingAddress: address,
      });
      const total = await eventually(async () => {
        const read = await t.gql<{ order: { status: string; total: { amount: string } } | null }>(
          `query($id: ID!) { order(id: $id) { status total { amount } } }`,
          { id: orderId },
        );
        // Paid once the order process has held its stock.
        expect(read.data?.order?.status).toBe("AWAITING_PAYMENT");
        return read.data!.order!.total.amount;
      });
      await mutate("confirmPayment", {
        orderId,
        amount: { amount: total, currency },
        paymentReference: orderId,
      });
    };
    await pay("usd-1", "uma", "usd-mug", "USD");
    await projectionsCaughtUp(t);

    const now = await asStaff<{ revenue: { total: Figures }; topCustomers: Ranking }>(
      `{ revenue(currency: "GBP") { total { ${figures} } } topCustomers(currency: "GBP") { ${ranking} } }`,
    );
    expect(now.errors).toBeUndefined();
    expect(now.data!.revenue.total).toEqual({
      orders: 0,
      revenue: { amount: "0.00" },
      netRevenue: { amount: "0.00" },
    });
    expect(now.data!.topCustomers).toEqual({ currency: "GBP", position: null, customers: [] });

    const revenue = await subscribeSse<RevenuePush>(t.url, revenueLive, {}, { token: staff });
    const top = await subscribeSse<RankingPush>(t.url, rankingLive, {}, { token: staff });
    const live: LiveSubscription<unknown>[] = [revenue, top];
    try {
      // First push: the view now, as the queries answer it, at a position a client can resume from.
      const [firstRevenue] = await revenue.waitFor(1, 5_000);
      const [firstRanking] = await top.waitFor(1, 5_000);
      const emptyRevenue = firstRevenue!.data.revenueUpdated;
      const emptyRanking = firstRanking!.data.topCustomersUpdated;
      expect(emptyRevenue.revenue).toEqual(now.data!.revenue.total);
      expect(emptyRevenue.missedChanges).toBe(false);
      expect(() => parsePosition(emptyRevenue.position)).not.toThrow();
      expect(emptyRanking.topCustomers).toEqual(now.data!.topCustomers);
      expect(emptyRanking.missedChanges).toBe(false);
      expect(() => parsePosition(emptyRanking.position)).not.toThrow();

      // Then each change: GBP's first payment, and a second one.
      await pay("gbp-1", "greta", "gbp-mug", "GBP");
      await pay("gbp-2", "gideon", "gbp-mug", "GBP");
      const revenuePushes = await revenue.waitFor(3);
      expect(revenuePushes.map((p) => p.data.revenueUpdated.revenue.orders)).toEqual([0, 1, 2]);
      const rankings = await eventually(async () => {
        const last = top.received.at(-1)!.data.topCustomersUpdated.topCustomers;
        expect(last.customers.map((c) => c.customerId).sort()).toEqual(["gideon", "greta"]);
        return top.received.map((p) => p.data.topCustomersUpdated);
      });
      for (const pushes of [
        revenuePushes.map((p) => p.data.revenueUpdated.position),
        rankings.map((p) => p.position),
      ]) {
        for (let i = 1; i < pushes.length; i++) {
          expect(comparePositions(parsePosition(pushes[i]!), parsePosition(pushes[i - 1]!))).toBeGreaterThan(
            0,
          );
        }
      }

      // A client that had only the empty view resumes from its position and gets every change since.
      const resumedRevenue = await subscribeSse<RevenuePush>(
        t.url,
        revenueLive,
        { since: emptyRevenue.position },
        { token: staff },
      );
      live.push(resumedRevenue);
      const missed = await resumedRevenue.waitFor(2);
      expect(missed.map((p) => p.data.revenueUpdated)).toEqual(
        revenuePushes.slice(1).map((p) => p.data.revenueUpdated),
      );
      const resumedRanking = await subscribeSse<RankingPush>(
        t.url,
        rankingLive,
        { since: emptyRanking.position },
        { token: staff },
      );
      live.push(resumedRanking);
      const [caughtUp] = await resumedRanking.waitFor(1);
      expect(caughtUp!.data.topCustomersUpdated).toEqual(rankings.at(-1));
    } finally {
      for (const subscription of live) await subscription.close();
    }
  }, 60_000);
});
