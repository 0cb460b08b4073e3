import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { orderAggregate } from "../../commands/aggregates/order";
import { CommandRuntime } from "../../commands/runtime";
import { orderDecider } from "../../domain/ordering/decider";
import { orderStatuses, orderStreamPrefix, type OrderState } from "../../domain/ordering/state";
import type { EventStore, RecordedEvent } from "../../eventstore/port";
import {
  buildDemoPlan,
  loadDemoData,
  startDemoActivity,
  type DemoPlan,
  type DemoSummary,
} from "../../server/demo";
import { createPgliteTestStore, type TestEventStore } from "../support/eventstores";

// Small enough to load in about a second, large enough that the first pass (one order per
// scenario) is only part of the orders.
const scale = 0.1;
const seed = 7;
const now = new Date("2026-03-01T12:00:00.000Z");

async function everything(store: EventStore): Promise<RecordedEvent[]> {
  return store.readAll({ maxCount: 1_000_000 });
}

/** Each order stream folded with the order decider, as the command side would see it. */
function orderStates(events: readonly RecordedEvent[]): Map<string, OrderState> {
  const states = new Map<string, OrderState>();
  for (const event of events) {
    if (!event.streamId.startsWith(orderStreamPrefix)) continue;
    const state = states.get(event.streamId) ?? orderDecider.initialState;
    states.set(event.streamId, orderDecider.evolve(state, orderAggregate.fromStored(event)));
  }
  return states;
}

/** What a data set is, without what differs between two runs (event ids, store positions). */
function shape(events: readonly RecordedEvent[]) {
  return events.map(({ streamId, type, data, metadata }) => ({
    streamId,
    type,
    data,
    correlationId: metadata.correlationId,
    // A process's key names the causing event by its id, which differs between runs: keep the step.
    idempotencyKey: metadata.idempotencyKey?.replace(/^(process:[^/]+)\/[^/]+\//, "$1/<event>/"),
  }));
}

function countTypes(events: readonly RecordedEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { type } of events) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

describe("demo data", () => {
  let first: TestEventStore;
  let summary: DemoSummary;
  let loaded: RecordedEvent[];

  beforeAll(async () => {
    first = await createPgliteTestStore();
    const progress: number[] = [];
    summary = await loadDemoData(new CommandRuntime({ store: first.store }), {
      seed,
      scale,
      now,
      store: first.store,
      onProgress: (done) => progress.push(done),
    });
    loaded = await everything(first.store);
    expect(progress.at(-1)).toBe(summary.commands);
  });

  afterAll(async () => {
    await first?.close();
  });

  it("appends one or more events per planned command, all through the command path", () => {
    expect(summary.skipped).toBe(false);
    expect(summary.appendedCommands).toBe(summary.commands);
    const planned = loaded.filter((event) => event.metadata.userId === "demo-data");
    const corrections = loaded.filter((event) => event.metadata.userId === "job:tax-correction");
    expect(planned.length + corrections.length).toBe(summary.appendedEvents);
    // The rest is the process managers' work: stock held, released, sold; orders rejected for
    // stock; transfers debited, credited, compensated.
    expect(new Set(loaded.map((event) => event.metadata.userId))).toEqual(
      new Set(["demo-data", "process:order-stock", "process:money-transfer", "job:tax-correction"]),
    );
  });

  it("has orders in every status, as the order decider folds their streams", () => {
    const states = orderStates(loaded);
    const counts = Object.fromEntries(orderStatuses.map((status) => [status, 0]));
    for (const state of states.values()) counts[state.status] = (counts[state.status] ?? 0) + 1;
    // Every status but awaiting_stock: the load settles each order's stock as it goes.
    for (const status of orderStatuses.filter((s) => s !== "awaiting_stock")) {
      expect(counts[status], status).toBeGreaterThan(0);
    }
    expect(counts.awaiting_stock).toBe(0);
    expect(counts).toEqual(summary.ordersByStatus);
    // The planned orders and the flash sale's five (three held, two rejected out of stock).
    expect(states.size).toBe(Math.round(300 * scale) + 5);
    const outOfStock = loaded.filter((e) => e.type === "OrderRejected" && e.data.reason === "out_of_stock");
    expect(outOfStock.map((e) => e.data.shortages)).toEqual([
      [{ productId: "prod-limited-grinder", requested: 1, available: 0, reason: "insufficient_stock" }],
      [{ productId: "prod-limited-grinder", requested: 1, available: 0, reason: "insufficient_stock" }],
    ]);
  });

  it("holds the rarer facts too: a declined payment and its reversal, denied refunds, a closed account", () => {
    const types = countTypes(loaded);
    // One reversal of a declined payment, one of the transfer to the closed account.
    expect(types).toMatchObject({ PaymentDeclined: 1, WithdrawalReversed: 2, AccountClosed: 1 });
    expect(types).toMatchObject({ TransferRequested: 3, TransferCompleted: 2, TransferCompensated: 1 });
    const compensated = loaded.find((event) => event.type === "TransferCompensated")!;
    expect(compensated.data.reason).toBe("destination_account_closed");
    expect(types.RefundDenied).toBeGreaterThanOrEqual(2);
    const denials = loaded.filter((event) => event.type === "RefundDenied").map((event) => event.data.reason);
    expect(new Set(denials)).toEqual(new Set(["not_delivered", "refund_window_passed"]));
    expect(types).toHaveProperty("PriceChanged");
    expect(types).toHaveProperty("ProductDiscontinued");
    const products = loaded.filter((event) => event.type === "ProductAdded");
    expect(new Set(products.map((event) => event.data.currency))).toEqual(new Set(["USD", "EUR"]));
    const regions = new Set(loaded.filter((event) => event.type === "OrderPlaced").map((e) => e.data.region));
    expect(regions.size).toBeGreaterThan(5);
  });

  it("ends with a retroactive tax correction: paid Californian orders older than a week owe 7.75 %", () => {
    const correction = summary.taxCorrection!;
    const cutoff = new Date(now.getTime() - 7 * 86_400_000).toISOString().slice(0, 10);
    expect(correction).toMatchObject({ correctionId: `tax-775bp-before-${cutoff}-US-CA`, dryRun: false });
    expect(correction.changed).toBeGreaterThan(0);
    const recalculated = loaded.filter((event) => event.type === "OrderTaxRecalculated");
    expect(recalculated).toHaveLength(correction.changed);
    // Every one is the last event of the log's story, at the data set's now.
    expect(loaded.slice(-recalculated.length)).toEqual(recalculated);
    const placed = new Map(
      loaded.filter((e) => e.type === "OrderPlaced").map((e) => [e.data.orderId as string, e.data]),
    );
    const states = orderStates(loaded);
    for (const event of recalculated) {
      const order = placed.get(event.data.orderId as string)!;
      expect(order.region).toBe("US-CA");
      expect(Date.parse(order.placedAt as string)).toBeLessThan(Date.parse(`${cutoff}T00:00:00Z`));
      expect(event.data).toMatchObject({ rateBps: 775, recalculatedAt: now.toISOString() });
      expect(["paid", "shipped", "delivered", "refund_requested"]).toContain(
        states.get(event.streamId)!.status,
      );
    }
    // Older paid Californian orders it did not touch were refunded or cancelled, or owe it already.
    expect(correction.changed + correction.notApplicable + correction.alreadyAtRate).toBe(
      correction.ordersCovered,
    );
  });

  it("prices every placed order from the catalog, in the catalog's currency", () => {
    const prices = new Map<string, { price: number; currency: string }>();
    for (const event of loaded) {
      const productId = event.data.productId as string;
      if (event.type === "ProductAdded") {
        prices.set(productId, { price: event.data.price as number, currency: event.data.currency as string });
      }
      if (event.type === "PriceChanged") prices.get(productId)!.price = event.data.newPrice as number;
      if (event.type !== "OrderPlaced") continue;
      for (const line of event.data.lines as { productId: string; unitPrice: number }[]) {
        expect(line.unitPrice).toBe(prices.get(line.productId)!.price);
        expect(event.data.currency).toBe(prices.get(line.productId)!.currency);
      }
    }
  });

  it("is another data set for another seed", () => {
    const ids = (plan: DemoPlan) => plan.steps.map((step) => `${step.kind}:${step.id}:${step.command.type}`);
    const same = buildDemoPlan(seed, scale, now.getTime());
    const other = buildDemoPlan(seed + 1, scale, now.getTime());
    expect(ids(same)).toEqual(ids(buildDemoPlan(seed, scale, now.getTime())));
    expect(ids(other)).not.toEqual(ids(same));
  });

  it("appends nothing when loaded again, with the store or by replaying every command", async () => {
    const commands = new CommandRuntime({ store: first.store });
    const head = await first.store.headPosition();
    const fast = await loadDemoData(commands, { seed, scale, now, store: first.store });
    expect(fast).toMatchObject({ skipped: true, appendedEvents: 0 });
    // A later day moves every instant; the idempotency keys and requests do not depend on them.
    const later = new Date(now.getTime() + 3 * 86_400_000);
    const replayed = await loadDemoData(commands, { seed, scale, now: later });
    expect(replayed).toMatchObject({ skipped: false, appendedEvents: 0 });
    const otherSeed = await loadDemoData(commands, { seed: seed + 1, scale, now, store: first.store });
    expect(otherSeed).toMatchObject({ skipped: true, appendedEvents: 0 });
    expect(await first.store.headPosition()).toEqual(head);
  });

  it("is the same data set for the same seed, also when a load is interrupted and completed", async () => {
    const target = await createPgliteTestStore();
    try {
      const commands = new CommandRuntime({ store: target.store });
      const stop = new AbortController();
      const partial = await loadDemoData(commands, {
        seed,
        scale,
        now,
        signal: stop.signal,
        onProgress: (done) => done === 100 && stop.abort(),
      });
      expect(partial).toMatchObject({ interrupted: true, appendedCommands: 100 });
      const rest = await loadDemoData(commands, { seed, scale, now, store: target.store });
      expect(rest.appendedCommands).toBe(summary.commands - 100);
      expect(shape(await everything(target.store))).toEqual(shape(loaded));
    } finally {
      await target.close();
    }
  });

  // Last: it adds to the loaded store.
  it("keeps live activity going through the command path until stopped, then appends nothing more", async () => {
    const { store } = first;
    const commands = new CommandRuntime({ store });
    const before = (await everything(store)).length;
    const warnings: string[] = [];
    const log = { info() {}, warn: (_: object, message: string) => warnings.push(message), error() {} };
    const activity = startDemoActivity(commands, {
      intervalMs: 1,
      seed,
      log,
      openOrders: summary.openOrders,
    });
    await vi.waitFor(async () => expect((await everything(store)).length).toBeGreaterThan(before + 20), {
      timeout: 20_000,
      interval: 50,
    });
    await activity.stop();
    const stopped = await everything(store);
    const added = stopped.slice(before);
    expect(new Set(added.map((event) => event.metadata.userId))).toEqual(
      new Set(["demo-activity", "process:order-stock"]),
    );
    expect(added.some((event) => event.type === "OrderPlaced")).toBe(true);
    expect(warnings).toEqual([]);
    // The step in hand finished inside stop(); no timer fires afterwards.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await everything(store)).toHaveLength(stopped.length);
  });
});
