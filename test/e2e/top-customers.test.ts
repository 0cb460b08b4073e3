import { afterAll, describe, expect, it } from "vitest";
import { CommandRuntime } from "../../commands/runtime";
import { comparePositions, parsePosition } from "../../eventstore/position";
import { projectorGroup } from "../../projectors/runtime";
import { topCustomersView } from "../../readmodels/top-customers";
import { mintToken } from "../../server/auth/tokens";
import { loadDemoData } from "../../server/demo";
import { startService, type RunningService } from "../../server/services";
import { silentLog } from "../../projectors/log";
import { subscribeWs } from "../support/live";
import { caughtUp, cleanRebuild, readModels } from "../support/rebuild";
import { connectTarget, deleteKeys, keysOn } from "../../gameday/lib/redis-keys";
import { testRedis } from "../support/redis-target";
import { dropTestData, eventually, testDatabaseUrl, testServiceConfig } from "../support/service";

/**
 * A view added to a running deployment: `topCustomers` started against a store that already holds
 * the demo data is built from the start of the log, while the views already there stay as they
 * are, and ends equal to a clean rebuild.
 */

const { config, schema, prefix } = testServiceConfig({ RATE_LIMIT_MUTATIONS: "0" });
let running: RunningService | null = null;

afterAll(async () => {
  await running?.stop();
  await dropTestData(schema, prefix);
});

async function gql<T>(url: string, query: string, variables?: Record<string, unknown>) {
  const token = await mintToken(config.auth, { sub: "ops", role: "admin" });
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown[] };
}

type Ranking = {
  topCustomers: {
    customers: {
      rank: number;
      customerId: string;
      netSpend: { minorUnits: string };
      paid: { minorUnits: string };
    }[];
    meta: { status: string };
  };
  revenue: { total: { revenue: { minorUnits: string } } };
};

describe("a read model added to a deployment that already has a log", () => {
  it("is built from the start of the log while the other views stay as they are, and equals a clean rebuild", async () => {
    // A deployment as it was before the view existed: the demo's log and every other view.
    running = await startService(config, silentLog);
    await loadDemoData(new CommandRuntime({ store: running.store }), { seed: 11, scale: 0.25 });
    await caughtUp(running.store, running.redis, prefix);
    await running.stop();
    await running.store.close().catch(() => undefined);
    running = null;
    const redis = connectTarget(testRedis());
    // Where the view's data lives (its own hash-tagged prefix on a cluster).
    const viewData = keysOn(redis, prefix).generationPrefix(topCustomersView.name, 0);
    await deleteKeys(`${viewData}top-customers:`, testRedis());
    await deleteKeys(`${viewData}projector:${topCustomersView.name}:`, testRedis());
    const { openEventStore } = await import("../../eventstore/open");
    const store = await openEventStore(testDatabaseUrl, { schema });
    await store.deleteConsumerGroup(projectorGroup(topCustomersView.name));
    await store.close();
    const others = await readModels(redis, prefix);
    expect(Object.keys(others).some((key) => key.startsWith("top-customers"))).toBe(false);

    // The service starts with the view: it builds it from the whole log.
    running = await startService(config, silentLog);
    await caughtUp(running.store, running.redis, prefix);
    const runners = new Map(running.projectors.map((runner) => [runner.name, runner]));
    expect(runners.get(topCustomersView.name)!.applied).toBeGreaterThan(50);
    // The views that were there applied nothing again and did not change.
    for (const [name, runner] of runners) {
      if (name !== topCustomersView.name) expect(runner.applied, name).toBe(0);
    }
    const after = await readModels(redis, prefix);
    const without = Object.fromEntries(
      Object.entries(after).filter(([key]) => !key.includes("top-customers")),
    );
    expect(without).toEqual(others);
    // And it is what a clean rebuild of every view from the log gives.
    expect(after).toEqual(await cleanRebuild(running.store, testRedis()));
    await redis.quit();

    // Through the API: ranked by net spend, and every payment of the log counted once.
    const answer = await gql<Ranking>(
      running.url!,
      `{ topCustomers(currency: "USD", first: 100) { customers { rank customerId netSpend { minorUnits } paid { minorUnits } } meta { status } }
         revenue(currency: "USD") { total { revenue { minorUnits } } } }`,
    );
    expect(answer.errors).toBeUndefined();
    const { customers } = answer.data!.topCustomers;
    expect(customers.length).toBeGreaterThan(3);
    const net = customers.map((c) => Number(c.netSpend.minorUnits));
    expect(net).toEqual([...net].sort((a, b) => b - a));
    expect(customers.map((c) => c.rank)).toEqual(customers.map((_c, i) => i + 1));
    const paid = customers.reduce((sum, c) => sum + Number(c.paid.minorUnits), 0);
    expect(paid).toBe(Number(answer.data!.revenue.total.revenue.minorUnits));
  }, 180_000);

  it("is live: the ranking now, then again after a payment moves it", async () => {
    const service = running!;
    const token = await mintToken(config.auth, { sub: "ops", role: "admin" });
    const live = await subscribeWs<{
      data: {
        topCustomersUpdated: { position: string; topCustomers: { customers: { customerId: string }[] } };
      };
    }>(
      service.url!,
      `subscription { topCustomersUpdated(currency: "USD", first: 100) { position topCustomers { customers { customerId } } } }`,
      {},
      { token },
    );
    // A client of the same currency asking for a shorter ranking gets its own length on every push.
    const short = await subscribeWs<{
      data: { topCustomersUpdated: { topCustomers: { customers: { customerId: string }[] } } };
    }>(
      service.url!,
      `subscription { topCustomersUpdated(currency: "USD", first: 2) { position topCustomers { customers { customerId } } } }`,
      {},
      { token },
    );
    try {
      const [first] = await live.waitFor(1);
      await short.waitFor(1);
      expect(first!.data.topCustomersUpdated.topCustomers.customers.length).toBeGreaterThan(3);
      // A big spender appears: a new order paid.
      const product = await gql<{
        products: { edges: { node: { id: string; available: number; price: { currency: string } } }[] };
      }>(service.url!, `{ products(first: 50) { edges { node { id available price { currency } } } } }`);
      // One with the nine units on the shelf: the order process holds them before it is paid.
      const usdProduct = product.data!.products.edges.find(
        (e) => e.node.price.currency === "USD" && e.node.available >= 9,
      )!.node.id;
      const placed = await gql<{ placeOrder: { __typename: string; id?: string } }>(
        service.url!,
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename ... on Change { id } } }`,
        {
          input: {
            orderId: "whale-order",
            customerId: "whale",
            currency: "USD",
            lines: [{ productId: usdProduct, quantity: 9 }],
            shippingAddress: {
              line1: "1 Sea Rd",
              city: "Oslo",
              postalCode: "0150",
              country: "NO",
              region: "NO",
            },
          },
        },
      );
      expect(placed.data?.placeOrder.__typename).toBe("Change");
      const order = await eventually(async () => {
        const read = await gql<{ order: { status: string; total: { amount: string } } | null }>(
          service.url!,
          `{ order(id: "whale-order") { status total { amount } } }`,
        );
        // Paid once the order process has held its stock.
        expect(read.data?.order?.status).toBe("AWAITING_PAYMENT");
        return read.data!.order!;
      });
      const paid = await gql<{ confirmPayment: { __typename: string } }>(
        service.url!,
        `mutation($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { __typename } }`,
        {
          input: {
            orderId: "whale-order",
            amount: { amount: order.total.amount, currency: "USD" },
            paymentReference: "p-1",
          },
        },
      );
      expect(paid.data?.confirmPayment.__typename).toBe("Change");
      // The next push ranks the new customer; pushes come in position order, none twice.
      const pushes = await eventually(async () => {
        const last = live.received.at(-1)!.data.topCustomersUpdated;
        expect(last.topCustomers.customers.map((c) => c.customerId)).toContain("whale");
        return live.received.map((push) => push.data.topCustomersUpdated.position);
      });
      expect(first!.data.topCustomersUpdated.topCustomers.customers.map((c) => c.customerId)).not.toContain(
        "whale",
      );
      for (let i = 1; i < pushes.length; i++) {
        expect(comparePositions(parsePosition(pushes[i]!), parsePosition(pushes[i - 1]!))).toBeGreaterThan(0);
      }
      const shortPushes = await eventually(async () => {
        expect(short.received.length).toBeGreaterThan(1);
        return short.received;
      });
      for (const push of shortPushes)
        expect(push.data.topCustomersUpdated.topCustomers.customers).toHaveLength(2);
    } finally {
      await live.close();
      await short.close();
    }
  }, 60_000);
});
