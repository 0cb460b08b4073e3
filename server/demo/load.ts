import { accountAggregate } from "../../commands/aggregates/account";
import { orderAggregate } from "../../commands/aggregates/order";
import { productAggregate } from "../../commands/aggregates/product";
import { aggregates } from "../../commands/aggregates/index";
import type { CommandContext } from "../../commands/context";
import type { CommandResult } from "../../commands/result";
import { idempotencyRecordKey, type CommandRuntime } from "../../commands/runtime";
import { ProductAlreadyExists } from "../../domain/catalog/errors";
import type { EventStore, JsonObject } from "../../eventstore/port";
import { silentLog, type Log } from "../../projectors/log";
import { bankingSteps, transferSteps } from "./banking";
import { catalogSteps, demoProducts } from "./catalog";
import { makeFeasible } from "./feasible";
import { flashSaleSteps } from "./flash-sale";
import { orderSteps } from "./orders";
import { MINUTE, type DemoStep } from "./plan";
import { createRandom } from "./random";
import { summarize, type DemoPlan, type DemoSummary, type Run } from "./summary";
import { settleProcesses } from "./processes";
import { correctDemoTax } from "./tax-correction";

export type { DemoPlan, DemoSummary };

export const DEFAULT_DEMO_SEED = 20260105;
/** Every demo command is issued as this user: the audit trail shows who made the data. */
export const DEMO_USER = "demo-data";

export interface DemoOptions {
  readonly seed?: number;
  /** 1 → about 300 orders; the catalog, customers and accounts do not scale. */
  readonly scale?: number;
  /** The end of the data set's ~30 days; default: the clock, once, at the start of the load. */
  readonly now?: Date;
  readonly log?: Log;
  /**
   * The store the runtime writes to, when the caller has it: finds where an earlier load of the
   * same data set stopped in a dozen reads instead of replaying every command.
   */
  readonly store?: EventStore;
  /** Stops between two commands (each command is atomic); a later load completes the data set. */
  readonly signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/**
 * The whole data set as commands in time order. Pure: the same seed, scale and `now` give the
 * same plan (every instant is an offset from `now`), which is what makes the load repeatable.
 */
export function buildDemoPlan(seed: number, scale: number, nowMs: number): DemoPlan {
  const random = createRandom(seed);
  const banking = [...bankingSteps(random, nowMs), ...transferSteps(nowMs)];
  const { steps: orders, orders: made } = orderSteps(random, nowMs, scale);
  const flashSale = flashSaleSteps(nowMs);
  // Array sort is stable: steps of one aggregate at one instant keep the order they were made in.
  const sorted = [...catalogSteps(nowMs), ...banking, ...orders, ...flashSale.steps].sort(
    (a, b) => a.atMs - b.atMs,
  );
  const steps = makeFeasible(sorted);
  const first = steps[0];
  if (first?.kind !== "product" || first.id !== demoProducts[0]!.id || first.command.type !== "AddProduct") {
    throw new Error(
      "The demo plan must start with the first product's AddProduct (the loaded-before marker)",
    );
  }
  return { steps, orders: [...made, ...flashSale.orders] };
}

/**
 * Appends the demo data set through the command path (never Redis), one command at a time in time
 * order, so the global log reads like the shop's last month.
 *
 * Every command carries an idempotency key naming the seed, scale, stream and the command's
 * place in it (its request is the command without its instant, which moves with `now`). So a
 * second load of the same data set appends nothing, and a load that was interrupted picks up
 * where it stopped. The first command adds the first product: when that product exists but the
 * key is unknown, the store holds another data set (other seed or scale) and the load is skipped.
 */
export async function loadDemoData(
  commands: CommandRuntime,
  options: DemoOptions = {},
): Promise<DemoSummary> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`The demo scale must be a positive number; got ${scale}`);
  }
  const log = options.log ?? silentLog;
  const run: Run = {
    seed,
    scale,
    started: performance.now(),
    outcome: "loaded",
    appendedCommands: 0,
    appendedEvents: 0,
    taxCorrection: null,
  };
  // Whole minutes keep the instants readable; the clock is read once, never per step.
  const nowMs = Math.floor((options.now ?? new Date()).getTime() / MINUTE) * MINUTE;
  const plan = buildDemoPlan(seed, scale, nowMs);
  const total = plan.steps.length;
  const keys = idempotencyKeys(plan.steps, `demo:s${seed}:x${scale}`);
  const first = options.store ? await firstUndone(options.store, keys) : 0;
  // Said once it is known whether there is anything to load (a later start finds it all done).
  if (first < total) {
    log.info({ seed, scale, commands: total, orders: plan.orders.length }, "loading demo data");
  }
  if (first === total) {
    options.onProgress?.(total, total);
    log.info({ seed, scale, commands: total }, "demo data already loaded; skipped");
    return summarize(plan, { ...run, outcome: "skipped" });
  }
  if (first > 0) log.info({ seed, scale, done: first, total }, "demo data: completing an interrupted load");
  let loadedBefore = first > 0;
  let lastTurn = performance.now();
  // A load interrupted right after an order command may not have settled its stock: the step is
  // run again (it replays, appending nothing) and its stock settled.
  for (let index = Math.max(0, first - 1); index < total; index++) {
    // An embedded store answers without real I/O, so a long run of commands is one chain of
    // promises that never lets the event loop poll: signals (Ctrl-C) and HTTP requests would wait
    // for the whole load. The load runs while the service answers, so it gives the loop a turn
    // after every 10 ms of work, which costs nothing measurable.
    if (performance.now() - lastTurn > 10) {
      await new Promise((resolve) => setImmediate(resolve));
      lastTurn = performance.now();
    }
    if (options.signal?.aborted) {
      log.info({ seed, scale, done: index, total }, "demo load interrupted; loading again completes it");
      return summarize(plan, { ...run, outcome: "interrupted" });
    }
    const step = plan.steps[index]!;
    let result: CommandResult;
    try {
      result = await execute(commands, step, keys[index]!);
    } catch (error) {
      if (index === 0 && error instanceof ProductAlreadyExists) {
        const message = "demo data skipped: the store holds a demo data set of another seed or scale";
        log.info({ seed, scale, productId: step.id }, message);
        return summarize(plan, { ...run, outcome: "skipped" });
      }
      const what = `${step.command.type} on ${step.kind} ${step.id}`;
      throw new Error(`Demo step ${index + 1}/${total} (${what}) failed`, { cause: error });
    }
    if (index === 0 && result.replayed) {
      loadedBefore = true;
      log.info({ seed, scale }, "demo data found in the store; checking it is complete");
    }
    if (!result.replayed && result.eventIds.length > 0) {
      run.appendedCommands += 1;
      run.appendedEvents += result.eventIds.length;
    }
    options.onProgress?.(index + 1, total);
  }
  // The retroactive correction comes after the shop's month, when this load appended it: a load
  // that only replayed an earlier one (at a later `now`, say) must not apply a later cut-off.
  if (run.appendedCommands > 0) {
    const report = await correctDemoTax(commands, nowMs);
    run.taxCorrection = report;
    run.appendedEvents += report.eventsAppended;
  }
  const summary = summarize(plan, run);
  const { appendedEvents, appendedCommands } = run;
  const fields = {
    seed,
    scale,
    appendedEvents,
    ms: Math.round(summary.durationMs),
    orders: summary.ordersByStatus,
  };
  if (!loadedBefore) log.info(fields, "demo data loaded");
  else if (appendedCommands === 0) log.info(fields, "demo data already loaded; nothing appended");
  else log.info(fields, "demo data: an interrupted load was completed");
  return summary;
}

async function execute(commands: CommandRuntime, step: DemoStep, key: string): Promise<CommandResult> {
  const result = await executeCommand(commands, step, key);
  if (step.kind === "order" || step.kind === "transfer") {
    await settleProcesses(commands, result, new Date(step.atMs));
  }
  return result;
}

function executeCommand(commands: CommandRuntime, step: DemoStep, key: string): Promise<CommandResult> {
  const { at: _at, ...request } = step.command;
  const context: CommandContext = {
    now: new Date(step.atMs),
    userId: DEMO_USER,
    correlationId: step.correlationId,
    idempotency: { key, request: request as JsonObject },
  };
  switch (step.kind) {
    case "product":
      return commands.execute(productAggregate, step.id, step.command, context);
    case "account":
      return commands.execute(accountAggregate, step.id, step.command, context);
    case "order":
      return commands.execute(orderAggregate, step.id, step.command, context);
    case "transfer":
      return commands.execute(aggregates.TRANSFER, step.id, step.command, context);
  }
}

/**
 * How many leading steps an earlier load already appended. Steps run one at a time and each one
 * appends with its idempotency record in one transaction, so the done steps are a prefix of the
 * plan and a binary search over the records finds its end (looked up where the runtime keeps
 * them, `idempotencyRecordKey`).
 */
async function firstUndone(store: EventStore, keys: readonly string[]): Promise<number> {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (await store.readIdempotencyRecord(idempotencyRecordKey(DEMO_USER, keys[middle]!))) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `<prefix>:<kind>:<id>:<n>`, n counting the aggregate's commands: stable for one seed and scale. */
function idempotencyKeys(steps: readonly DemoStep[], prefix: string): string[] {
  const counts = new Map<string, number>();
  return steps.map((step) => {
    const stream = `${step.kind}:${step.id}`;
    const n = (counts.get(stream) ?? 0) + 1;
    counts.set(stream, n);
    return `${prefix}:${stream}:${n}`;
  });
}
