import type { OrderStatus } from "../../domain/ordering/state";
import type { TaxCorrectionReport } from "../../jobs/tax-correction";
import { orderStatuses } from "../../domain/ordering/state";
import { demoAccounts } from "./banking";
import { demoProducts } from "./catalog";
import { demoCustomers } from "./customers";
import type { DemoOrder } from "./orders";
import type { DemoStep } from "./plan";
import type { Scenario } from "./scenarios";

export interface DemoPlan {
  readonly steps: readonly DemoStep[];
  readonly orders: readonly DemoOrder[];
}

export interface DemoSummary {
  /** Nothing was run: the data set is there already, or another one (other seed or scale) is. */
  readonly skipped: boolean;
  /** True when `signal` stopped the load before its end. */
  readonly interrupted: boolean;
  readonly seed: number;
  readonly scale: number;
  readonly commands: number;
  /** Commands that appended events in this load (0 on a second load of the same data set). */
  readonly appendedCommands: number;
  readonly appendedEvents: number;
  readonly durationMs: number;
  readonly products: number;
  readonly customers: number;
  readonly accounts: number;
  readonly ordersByStatus: Readonly<Record<OrderStatus, number>>;
  readonly ordersByScenario: Readonly<Partial<Record<Scenario | "flashSale", number>>>;
  /** The retroactive tax correction applied at the end of the load (null: not applied by it). */
  readonly taxCorrection: TaxCorrectionReport | null;
  /** Orders the live activity may move forward (awaiting payment, paid, shipped, refund requested). */
  readonly openOrders: readonly DemoOrder[];
}

/** How a load went so far; `summarize` turns it into the summary. */
export interface Run {
  readonly seed: number;
  readonly scale: number;
  readonly started: number;
  outcome: "loaded" | "skipped" | "interrupted";
  appendedCommands: number;
  appendedEvents: number;
  taxCorrection: TaxCorrectionReport | null;
}

const openStatuses: readonly OrderStatus[] = ["awaiting_payment", "paid", "shipped", "refund_requested"];

export function summarize(plan: DemoPlan, run: Run): DemoSummary {
  const ordersByStatus = Object.fromEntries(orderStatuses.map((status) => [status, 0]));
  const ordersByScenario: Partial<Record<Scenario | "flashSale", number>> = {};
  for (const order of plan.orders) {
    ordersByStatus[order.status]! += 1;
    ordersByScenario[order.scenario] = (ordersByScenario[order.scenario] ?? 0) + 1;
  }
  return {
    skipped: run.outcome === "skipped",
    interrupted: run.outcome === "interrupted",
    seed: run.seed,
    scale: run.scale,
    commands: plan.steps.length,
    appendedCommands: run.appendedCommands,
    appendedEvents: run.appendedEvents,
    durationMs: performance.now() - run.started,
    products: demoProducts.length,
    customers: demoCustomers.length,
    accounts: demoAccounts().length,
    ordersByStatus: ordersByStatus as Record<OrderStatus, number>,
    ordersByScenario,
    taxCorrection: run.taxCorrection,
    // An abandoned cart stays abandoned: the live activity pays only orders that may still be paid.
    openOrders: plan.orders.filter(
      (order) => openStatuses.includes(order.status) && order.scenario !== "abandoned",
    ),
  };
}
