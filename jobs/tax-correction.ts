import { orderAggregate } from "../commands/aggregates/order";
import type { CommandRuntime } from "../commands/runtime";
import type { RecalculateTax } from "../domain/ordering/commands";
import type { OrderEvent } from "../domain/ordering/events";
import { orderStreamId, orderStreamPrefix } from "../domain/ordering/state";
import { ruleCovers, taxCorrectionId, type TaxCorrectionRule } from "../domain/ordering/tax-rule";
import { fold } from "../domain/shared/decider";
import { DomainError } from "../domain/shared/errors";
import type { EventFilter, EventLog, Position, RecordedEvent } from "../eventstore/port";
import { jobKinds } from "./queues";

/** What a tax correction job is given: the rule, and whether only to say what it would do. */
export interface TaxCorrectionJobData extends TaxCorrectionRule {
  readonly dryRun: boolean;
}

/** One order whose tax the rule changes (or would change, in a dry run). */
export interface TaxChange {
  readonly orderId: string;
  readonly customerId: string;
  readonly region: string;
  readonly currency: string;
  readonly placedAt: string;
  /** The day the order was paid: the day its tax belongs to in the revenue view. */
  readonly paidAt: string;
  readonly previousTax: number;
  readonly tax: number;
}

/** The effect on one currency's figures (minor units). Gross revenue does not change. */
export interface CurrencyDifference {
  readonly currency: string;
  readonly orders: number;
  readonly taxBefore: number;
  readonly taxAfter: number;
  /** Tax owed after less before; net revenue (revenue − refunds − tax) moves by the opposite. */
  readonly taxDifference: number;
  readonly netRevenueDifference: number;
}

/** The effect on one day's figures in one currency (the day the orders were paid). */
export interface DayDifference {
  readonly day: string;
  readonly currency: string;
  readonly orders: number;
  readonly taxDifference: number;
}

export interface TaxCorrectionReport {
  readonly correctionId: string;
  readonly rateBps: number;
  readonly placedBefore: string;
  readonly region: string | null;
  readonly dryRun: boolean;
  /** Orders read from the log (every OrderPlaced). */
  readonly ordersScanned: number;
  /** Of those, placed before the instant (and in the region). */
  readonly ordersCovered: number;
  /** Orders whose tax this run changed (`OrderTaxRecalculated` appended), or would change. */
  readonly changed: number;
  readonly eventsAppended: number;
  /** Orders this rule had already corrected (an earlier run, or an attempt that died). */
  readonly alreadyCorrected: number;
  /** Orders whose tax was already at the rate for another reason. */
  readonly alreadyAtRate: number;
  /** Orders the rule does not apply to: not paid, cancelled, refunded or rejected. */
  readonly notApplicable: number;
  readonly byCurrency: readonly CurrencyDifference[];
  readonly byDay: readonly DayDifference[];
  /** The first `listLimit` changes, by order placed; `changesNotListed` says how many more. */
  readonly changes: readonly TaxChange[];
  readonly changesNotListed: number;
}

export interface TaxCorrectionProgress {
  readonly scanned: number;
  readonly total: number;
  readonly changed: number;
}

export interface TaxCorrectionOptions {
  readonly log: EventLog;
  readonly commands: CommandRuntime;
  readonly clock?: () => Date;
  /** Orders looked at at once (each is one stream read, and in a real run one command). */
  readonly concurrency?: number;
  /** How many changes the report lists (the totals count them all). */
  readonly listLimit?: number;
  /** Correlates every event the run appends (the job's id). */
  readonly correlationId?: string;
  readonly onProgress?: (progress: TaxCorrectionProgress) => Promise<void> | void;
}

/** Who appends a correction's events (the idempotency keys are this user's). */
export const taxCorrectionUser = "job:tax-correction";

const placedOrders: EventFilter = { streamPrefixes: [orderStreamPrefix], eventTypes: ["OrderPlaced"] };

type Outcome =
  | { kind: "outside" }
  | { kind: "notApplicable" }
  | { kind: "alreadyCorrected" }
  | { kind: "alreadyAtRate" }
  | { kind: "changed"; change: TaxChange; events: number };

/**
 * Applies a tax rule to the orders placed before its instant: each order's stream is folded and
 * the order decides (`RecalculateTax`, the same rule a request would meet); the orders whose tax
 * would move get an `OrderTaxRecalculated`, or in a dry run are only listed. Running the rule
 * again appends nothing: the orders it corrected owe exactly the rule's tax already. A job that
 * died mid-way is simply run again (its retry reports the orders its first attempt corrected as
 * already corrected).
 */
export async function correctTax(
  rule: TaxCorrectionRule,
  dryRun: boolean,
  options: TaxCorrectionOptions,
): Promise<TaxCorrectionReport> {
  const { log } = options;
  const correctionId = taxCorrectionId(rule);
  const concurrency = options.concurrency ?? 8;
  const listLimit = options.listLimit ?? 200;
  const total = await log.countAfter(null, placedOrders);
  const outcomes: Outcome[] = [];
  let changed = 0;
  let scanned = 0;
  let after: Position | undefined;
  for (;;) {
    const page = await log.readAll({ ...(after && { after }), maxCount: 500, filter: placedOrders });
    if (page.length === 0) break;
    after = page.at(-1)!.position;
    for (let i = 0; i < page.length; i += concurrency) {
      const batch = page.slice(i, i + concurrency);
      const answers = await Promise.all(
        batch.map((placed) => correctOne(rule, correctionId, placed, dryRun, options)),
      );
      for (const answer of answers) {
        if (answer.kind === "changed") changed++;
        outcomes.push(answer);
      }
      scanned += batch.length;
    }
    await options.onProgress?.({ scanned, total: Math.max(total, scanned), changed });
  }
  return report(rule, correctionId, dryRun, outcomes, listLimit);
}

async function correctOne(
  rule: TaxCorrectionRule,
  correctionId: string,
  placed: RecordedEvent,
  dryRun: boolean,
  options: TaxCorrectionOptions,
): Promise<Outcome> {
  const fact = orderAggregate.fromStored(placed);
  if (fact.type !== "OrderPlaced") return { kind: "outside" };
  const { orderId, region, placedAt } = fact.data;
  if (!ruleCovers(rule, placedAt, region)) return { kind: "outside" };
  const stream = await options.log.readStream(orderStreamId(orderId));
  // Read into today's shape once: folded into the state, and searched for earlier corrections.
  const history = stream.map((event) => orderAggregate.fromStored(event));
  const state = fold(orderAggregate.decider, history);
  const now = (options.clock ?? (() => new Date()))();
  const request = { type: "RecalculateTax", orderId, rateBps: rule.rateBps, correctionId } as const;
  const command: RecalculateTax = { ...request, at: now.toISOString() };
  let decided: OrderEvent[];
  try {
    decided = orderAggregate.decider.decide(command, state);
  } catch (refusal) {
    if (refusal instanceof DomainError) return { kind: "notApplicable" };
    throw refusal;
  }
  if (decided.length === 0) return unchanged(history, correctionId);
  const change = changeOf(decided[0]!, region, placedAt);
  if (change === null) return { kind: "notApplicable" };
  if (dryRun) return { kind: "changed", change, events: 0 };
  const revision = stream.at(-1)!.revision;
  try {
    const result = await options.commands.execute(orderAggregate, orderId, command, {
      userId: taxCorrectionUser,
      now,
      ...(options.correlationId && { correlationId: options.correlationId }),
      // Bound to the order's revision as it was decided: the same rule applied again after another
      // rule moved the tax is a new request, not the replay of this one.
      idempotency: { key: `${correctionId}/${orderId}@${revision}`, request },
    });
    if (result.eventIds.length === 0) return { kind: "alreadyAtRate" };
    if (result.revision === revision + 1 && !result.replayed) {
      return { kind: "changed", change, events: result.eventIds.length };
    }
    // The order moved between the read and the command (the runtime decided again on what it
    // found): the figures are those of what was appended.
    const appended = await options.log.readStream(orderStreamId(orderId), { fromRevision: result.revision });
    const actual = appended.map((event) => orderAggregate.fromStored(event)).find((e) => isRecalculation(e));
    const actualChange = actual ? changeOf(actual, region, placedAt) : null;
    return actualChange
      ? { kind: "changed", change: actualChange, events: result.eventIds.length }
      : { kind: "alreadyAtRate" };
  } catch (refusal) {
    if (refusal instanceof DomainError) return { kind: "notApplicable" };
    throw refusal;
  }
}

/** Already at the rate: corrected by this rule before, or so for another reason. */
function unchanged(history: readonly OrderEvent[], correctionId: string): Outcome {
  const recalculations = history.filter(isRecalculation);
  const last = recalculations.at(-1);
  return last?.data.correctionId === correctionId ? { kind: "alreadyCorrected" } : { kind: "alreadyAtRate" };
}

function isRecalculation(event: OrderEvent): event is Extract<OrderEvent, { type: "OrderTaxRecalculated" }> {
  return event.type === "OrderTaxRecalculated";
}

function changeOf(event: OrderEvent, region: string, placedAt: string): TaxChange | null {
  if (!isRecalculation(event)) return null;
  const { orderId, customerId, currency, paidAt, previousTax, tax } = event.data;
  return { orderId, customerId, region, currency, placedAt, paidAt, previousTax, tax };
}

function report(
  rule: TaxCorrectionRule,
  correctionId: string,
  dryRun: boolean,
  outcomes: readonly Outcome[],
  listLimit: number,
): TaxCorrectionReport {
  const count = (kind: Outcome["kind"]) => outcomes.filter((o) => o.kind === kind).length;
  const changes = outcomes.flatMap((o) => (o.kind === "changed" ? [o.change] : []));
  const currencies = new Map<string, { orders: number; before: number; after: number }>();
  const days = new Map<string, DayDifference>();
  for (const change of changes) {
    const figures = currencies.get(change.currency) ?? { orders: 0, before: 0, after: 0 };
    currencies.set(change.currency, {
      orders: figures.orders + 1,
      before: figures.before + change.previousTax,
      after: figures.after + change.tax,
    });
    const day = change.paidAt.slice(0, 10);
    const key = `${day} ${change.currency}`;
    const earlier = days.get(key) ?? { day, currency: change.currency, orders: 0, taxDifference: 0 };
    days.set(key, {
      ...earlier,
      orders: earlier.orders + 1,
      taxDifference: earlier.taxDifference + change.tax - change.previousTax,
    });
  }
  const byCurrency = [...currencies]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, f]) => ({
      currency,
      orders: f.orders,
      taxBefore: f.before,
      taxAfter: f.after,
      taxDifference: f.after - f.before,
      netRevenueDifference: f.before - f.after,
    }));
  const byDay = [...days.values()].sort(
    (a, b) => a.day.localeCompare(b.day) || a.currency.localeCompare(b.currency),
  );
  const listed = [...changes].sort((a, b) => a.placedAt.localeCompare(b.placedAt)).slice(0, listLimit);
  return {
    correctionId,
    rateBps: rule.rateBps,
    placedBefore: rule.placedBefore,
    region: rule.region,
    dryRun,
    ordersScanned: outcomes.length,
    ordersCovered: outcomes.length - count("outside"),
    changed: changes.length,
    eventsAppended: outcomes.reduce((sum, o) => sum + (o.kind === "changed" ? o.events : 0), 0),
    alreadyCorrected: count("alreadyCorrected"),
    alreadyAtRate: count("alreadyAtRate"),
    notApplicable: count("notApplicable"),
    byCurrency,
    byDay,
    changes: listed,
    changesNotListed: changes.length - listed.length,
  };
}

/**
 * Enqueues a tax correction (the admin mutation and `npm run correct`). Each request is its own
 * job: the same rule asked again is a second run, which appends nothing.
 */
export async function requestTaxCorrection(
  queue: { add(name: string, data: TaxCorrectionJobData): Promise<{ id?: string | undefined }> },
  data: TaxCorrectionJobData,
): Promise<string> {
  const job = await queue.add(jobKinds.taxCorrection, data);
  if (job.id === undefined) throw new Error("the queue gave the tax correction job no id");
  return job.id;
}
