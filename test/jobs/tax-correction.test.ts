import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taxAtRate, taxOn } from "../../domain/ordering/tax";
import type { TaxCorrectionReport } from "../../jobs/tax-correction";
import { mutate, usd } from "../api/support/fixtures";
import { run } from "../support/process-group";
import {
  eventually,
  projectionsCaughtUp,
  startTestService,
  testRedisUrl,
  type TestService,
} from "../support/service";

/**
 * A tax rule applied after the fact, through the whole service (ROLE=all: gateway, projectors and
 * the worker that runs the job): a dry run appends nothing and says what would change and by how
 * much, the real run appends one OrderTaxRecalculated per order whose tax moves and the revenue
 * view follows, per day and in total; the same rule again appends nothing.
 */

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const californian = {
  line1: "1 Main St",
  city: "Springfield",
  postalCode: "1",
  country: "US",
  region: "US-CA",
};
const newYorker = {
  line1: "2 Broadway",
  city: "New York",
  postalCode: "10004",
  country: "US",
  region: "US-NY",
};
const PRICE = 1_000n; // 10.00 USD

interface JobAnswer {
  id: string;
  state: string;
  error: string | null;
  result: TaxCorrectionReport | null;
  progress: { done: number; total: number | null; ratePerSecond: number; stage: string } | null;
}

async function placeOrder(orderId: string, quantity: number, shippingAddress: object): Promise<string> {
  const placed = await t.gql<{
    placeOrder: { __typename: string; order?: { status: string; total: { amount: string } } };
  }>(
    `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename
      ... on Change { order(stockAnswered: true, timeoutMs: 30000) { status total { amount } } } } }`,
    {
      input: {
        orderId,
        customerId: `c-${orderId}`,
        currency: "USD",
        lines: [{ productId: "lamp", quantity }],
        shippingAddress,
      },
    },
  );
  expect(placed.errors, JSON.stringify(placed.errors)).toBeUndefined();
  expect(placed.data?.placeOrder.order?.status).toBe("AWAITING_PAYMENT");
  return placed.data!.placeOrder.order!.total.amount;
}

async function paidOrder(orderId: string, quantity: number, shippingAddress = californian): Promise<void> {
  const total = await placeOrder(orderId, quantity, shippingAddress);
  const paid = await mutate(t, "confirmPayment", {
    orderId,
    amount: usd(total),
    paymentReference: `pay-${orderId}`,
  });
  expect(paid.events).toEqual(["PaymentConfirmed"]);
}

interface Figures {
  revenue: { amount: string };
  tax: { amount: string };
  netRevenue: { amount: string };
  orders: number;
}

async function revenue(day: string): Promise<{ total: Figures; days: (Figures & { day: string })[] }> {
  await projectionsCaughtUp(t);
  const figures = "revenue { amount } tax { amount } netRevenue { amount } orders";
  const read = await t.gql<{ revenue: { total: Figures; days: (Figures & { day: string })[] } }>(
    `query($day: String!) { revenue(currency: "USD") { total { ${figures} } days(from: $day, to: $day) { day ${figures} } } }`,
    { day },
  );
  expect(read.errors).toBeUndefined();
  return read.data!.revenue;
}

async function correctTax(args: string): Promise<JobAnswer> {
  const started = await t.gql<{ correctTax: { id: string } }>(`mutation { correctTax(${args}) { id } }`);
  expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
  const id = started.data!.correctTax.id;
  return eventually(async () => {
    const read = await t.gql<{ job: JobAnswer | null }>(
      `query($id: String!) { job(id: $id) { id state error result progress { done total ratePerSecond stage } } }`,
      { id },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data!.job?.error ?? null).toBeNull();
    expect(read.data!.job?.state).toBe("COMPLETED");
    return read.data!.job!;
  }, 30_000);
}

async function recalculations() {
  const events = await t.service.store.readAll({ filter: { eventTypes: ["OrderTaxRecalculated"] } });
  return events;
}

/** Amount in cents as the API prints USD. */
const dollars = (cents: bigint) =>
  `${cents < 0n ? "-" : ""}${(cents < 0n ? -cents : cents) / 100n}.${String((cents < 0n ? -cents : cents) % 100n).padStart(2, "0")}`;
const amount = (text: string) => BigInt(text.replace(".", ""));

describe("a retroactive tax correction", () => {
  let cutoff: string;
  const corrected = [1, 3, 7]; // the quantities of the paid Californian orders placed before the cutoff
  const today = new Date().toISOString().slice(0, 10);

  it("is set up: paid, unpaid, cancelled and out-of-region orders before the cutoff, one after", async () => {
    const added = await mutate(t, "addProduct", {
      productId: "lamp",
      sku: "LAMP-1",
      name: "Lamp",
      price: usd("10.00"),
      initialStock: 100,
    });
    expect(added.__typename).toBe("Change");
    await projectionsCaughtUp(t);
    await paidOrder("old-1", 1);
    await paidOrder("old-3", 3);
    expect((await mutate(t, "shipOrder", { orderId: "old-3", trackingNumber: "T-3" })).events).toEqual([
      "OrderShipped",
    ]);
    await paidOrder("old-7", 7);
    await mutate(t, "shipOrder", { orderId: "old-7", trackingNumber: "T-7" });
    expect((await mutate(t, "deliverOrder", { orderId: "old-7" })).events).toEqual(["OrderDelivered"]);
    await placeOrder("old-unpaid", 2, californian);
    await paidOrder("old-cancelled", 1);
    expect(
      (await mutate(t, "cancelOrder", { orderId: "old-cancelled", reason: "changed my mind" })).events,
    ).toEqual(["OrderCancelled"]);
    await paidOrder("old-ny", 2, newYorker);
    await new Promise((resolve) => setTimeout(resolve, 5));
    cutoff = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await paidOrder("new-1", 1);
  }, 60_000);

  const rule = () => `rate: "5%", placedBefore: "${cutoff}", region: "us-ca"`;
  const oldTax = corrected.reduce((sum, q) => sum + taxOn(PRICE * BigInt(q), "US-CA"), 0n);
  const newTax = corrected.reduce((sum, q) => sum + taxAtRate(PRICE * BigInt(q), 500), 0n);

  it("dry run: lists what it would append and the difference, and appends nothing", async () => {
    const before = await revenue(today);
    const job = await correctTax(`${rule()}, dryRun: true`);
    const report = job.result!;
    expect(report).toMatchObject({
      dryRun: true,
      correctionId: `tax-500bp-before-${cutoff}-US-CA`,
      rateBps: 500,
      region: "US-CA",
      ordersScanned: 7,
      ordersCovered: 5,
      changed: 3,
      eventsAppended: 0,
      alreadyCorrected: 0,
      alreadyAtRate: 0,
      notApplicable: 2,
      changesNotListed: 0,
    });
    expect(report.changes.map((c) => c.orderId).sort()).toEqual(["old-1", "old-3", "old-7"]);
    for (const change of report.changes) {
      const quantity = Number(change.orderId.slice(4));
      expect(change).toMatchObject({
        previousTax: Number(taxOn(PRICE * BigInt(quantity), "US-CA")),
        tax: Number(taxAtRate(PRICE * BigInt(quantity), 500)),
        currency: "USD",
        region: "US-CA",
      });
    }
    expect(report.byCurrency).toEqual([
      {
        currency: "USD",
        orders: 3,
        taxBefore: Number(oldTax),
        taxAfter: Number(newTax),
        taxDifference: Number(newTax - oldTax),
        netRevenueDifference: Number(oldTax - newTax),
      },
    ]);
    expect(report.byDay).toEqual([
      { day: today, currency: "USD", orders: 3, taxDifference: Number(newTax - oldTax) },
    ]);
    expect(job.progress).toMatchObject({ done: 7, total: 7 });
    // It reports once, at its end (fewer orders than a page): the rate is measured from its start.
    expect(job.progress!.ratePerSecond).toBeGreaterThan(0);
    expect(await recalculations()).toEqual([]);
    expect(await revenue(today)).toEqual(before);
  }, 60_000);

  it("real run: one event per order whose tax moves; tax and net revenue move, per day and in total", async () => {
    const before = await revenue(today);
    const job = await correctTax(rule());
    expect(job.result).toMatchObject({ dryRun: false, changed: 3, eventsAppended: 3, notApplicable: 2 });
    const events = await recalculations();
    expect(events.map((e) => e.streamId).sort()).toEqual(["order-old-1", "order-old-3", "order-old-7"]);
    for (const event of events) {
      expect(event.data).toMatchObject({ correctionId: `tax-500bp-before-${cutoff}-US-CA`, rateBps: 500 });
      expect(event.metadata.userId).toBe("job:tax-correction");
      expect(event.metadata.correlationId).toBe(`job:${job.id}`);
    }
    const after = await revenue(today);
    const difference = newTax - oldTax;
    for (const [was, is] of [
      [before.total, after.total],
      [before.days[0]!, after.days[0]!],
    ] as const) {
      expect(is.revenue).toEqual(was.revenue);
      expect(is.orders).toBe(was.orders);
      expect(is.tax.amount).toBe(dollars(amount(was.tax.amount) + difference));
      expect(is.netRevenue.amount).toBe(dollars(amount(was.netRevenue.amount) - difference));
    }
    // The corrected orders' own views show the new tax.
    const order = await t.gql<{ order: { tax: { amount: string } } }>(
      `{ order(id: "old-7") { tax { amount } } }`,
    );
    expect(order.data?.order.tax.amount).toBe(dollars(taxAtRate(PRICE * 7n, 500)));
  }, 60_000);

  it("second run: appends nothing and says the rule already corrected those orders", async () => {
    const before = await revenue(today);
    const job = await correctTax(rule());
    expect(job.result).toMatchObject({
      changed: 0,
      eventsAppended: 0,
      alreadyCorrected: 3,
      notApplicable: 2,
    });
    expect(await recalculations()).toHaveLength(3);
    expect(await revenue(today)).toEqual(before);
  }, 60_000);

  it("from the command line: the dry run of another rate, its table, and the same numbers", async () => {
    const cli = await run(
      "npm",
      [
        "run",
        "-s",
        "correct",
        "--",
        "tax",
        "--rate",
        "6%",
        "--placed-before",
        cutoff,
        "--region",
        "US-CA",
        "--dry-run",
      ],
      { REDIS_URL: testRedisUrl, REDIS_PREFIX: t.prefix, EVENT_STORE_URL: "memory://" },
    );
    // stderr carries the progress bar only: its final state once, at a rate measured from the
    // job's start (a job that reports once, at its end, showed "0 orders/s", twice).
    expect(cli.stderr).not.toMatch(/error|fail/i);
    expect(cli.code).toBe(0);
    const bars = cli.stderr.split("\n").filter((line) => line.includes("7/7 orders"));
    expect(bars, cli.stderr).toHaveLength(1);
    expect(Number(/\| (\d+) orders\/s \|/.exec(bars[0]!)?.[1])).toBeGreaterThan(0);
    expect(cli.stdout).toMatch(/7 orders read, 5 placed before the date in US-CA/);
    expect(cli.stdout).toMatch(/3 would change \(would append 3 OrderTaxRecalculated\)/);
    const at6 = corrected.reduce((sum, q) => sum + taxAtRate(PRICE * BigInt(q), 600), 0n);
    expect(cli.stdout).toContain(`+${dollars(at6 - newTax)}`);
    expect(await recalculations()).toHaveLength(3);
  }, 60_000);

  it("refuses a rule it cannot read, naming the argument, and starts no job", async () => {
    const before = await t.gql<{ jobs: { totalCount: number } }>(`{ jobs { totalCount } }`);
    for (const [args, field] of [
      [`rate: "five", placedBefore: "2026-01-01"`, "rate"],
      [`rate: "101%", placedBefore: "2026-01-01"`, "rate"],
      [`rate: "5%", placedBefore: "2026-02-30"`, "placedBefore"],
      [`rate: "5%", placedBefore: "2026-01-01", region: "<script>"`, "region"],
    ] as const) {
      const answer = await t.gql(`mutation { correctTax(${args}) { id } }`);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    const after = await t.gql<{ jobs: { totalCount: number } }>(`{ jobs { totalCount } }`);
    expect(after.data?.jobs.totalCount).toBe(before.data?.jobs.totalCount);
    const longId = await t.gql(`query($id: String!) { job(id: $id) { id } }`, { id: "x".repeat(201) });
    expect(longId.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
    const unknown = await t.gql<{ job: null }>(`{ job(id: "no-such-job") { id } }`);
    expect(unknown).toEqual({ data: { job: null } });
  });
});
