/**
 * `npm run demo [-- --live] [--seed N] [--scale N] [--interval MS]`: loads the demo data set into the
 * configured event store through the command path, then with --live keeps a gentle stream of new
 * activity going until SIGINT / SIGTERM.
 *
 * Which process may write the store:
 * - PostgreSQL (EVENT_STORE_URL=postgres://…): run this beside a running service; the service's
 *   projectors pick the new events up like any others.
 * - PGlite (the default pglite://./data/eventstore): an embedded database is opened by exactly one
 *   process. Two processes on one directory corrupt it, so stop the service first, or let the
 *   service load the demo itself (`DEMO=load` or `DEMO=live` with `npm start`).
 * - memory://: the data lives as long as this process; useful only to time a load.
 */
import { CommandRuntime } from "../commands/runtime";
import { eventContracts } from "../domain/event-catalogue";
import { openEventStore } from "../eventstore/open";
import type { Log } from "../projectors/log";
import { parseCommandLine, runCommand, UsageError } from "./cli/args";
import { loadConfig } from "./config";
import { formatAmount } from "../domain/shared/money";
import { DEFAULT_DEMO_SEED, loadDemoData, startDemoActivity, type DemoSummary } from "./demo";

const usage = `Usage: npm run demo -- [--live] [--seed N] [--scale N] [--interval MS]

  --live          after loading, keep adding activity until Ctrl-C (SIGINT) or SIGTERM
  --seed N        data set seed (default ${DEFAULT_DEMO_SEED}); the same seed gives the same data set
  --scale N       1 → about 300 orders (default 1)
  --interval MS   pause between two live steps (default 3000)
  --help          this text

The store comes from EVENT_STORE_URL / EVENT_STORE_SCHEMA as for the service. With the embedded
PGlite store, stop the service first (one process per database) or use DEMO=load|live with npm start.
Exit codes: 0 done (or stopped by Ctrl-C), 1 failed, 2 wrong arguments.`;

interface Arguments {
  readonly live: boolean;
  readonly seed: number;
  readonly scale: number;
  readonly intervalMs: number;
}

function parseArguments(argv: readonly string[]): Arguments | null {
  const parsed = parseCommandLine(argv, {
    live: { type: "boolean", default: false },
    seed: { type: "string" },
    scale: { type: "string" },
    interval: { type: "string" },
  });
  if (parsed === null) return null;
  const { values } = parsed;
  const number = (name: string, fallback: number, valid: (n: number) => boolean, what: string) => {
    const text = values[name as "seed" | "scale" | "interval"];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === "" || !valid(value)) throw new UsageError(`--${name} must be ${what}; got "${text}"`);
    return value;
  };
  return {
    live: values.live ?? false,
    seed: number("seed", DEFAULT_DEMO_SEED, Number.isSafeInteger, "a whole number"),
    scale: number("scale", 1, (n) => Number.isFinite(n) && n > 0, "a positive number"),
    intervalMs: number(
      "interval",
      3000,
      (n) => Number.isFinite(n) && n > 0,
      "a positive number of milliseconds",
    ),
  };
}

/** A terminal is read by a person: one line per message, fields as key=value. */
const consoleLog: Log = {
  info: (fields, message) => console.log(line(message, fields)),
  warn: (fields, message) => console.warn(line(`warning: ${message}`, fields)),
  error: (fields, message) => console.error(line(`error: ${message}`, fields)),
};

function line(message: string, fields: object): string {
  const parts = Object.entries(fields).map(([key, value]) => {
    if (value instanceof Error) return `${key}=${value.stack ?? value.message}`;
    return `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`;
  });
  return [message, ...parts].join(" ");
}

/** One updating line on a terminal; every tenth otherwise (a CI log is not a terminal). */
function progressPrinter(): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    if (process.stdout.isTTY) {
      process.stdout.write(`\r  ${done}/${total} commands`);
      if (done === total) process.stdout.write("\n");
      return;
    }
    const tenth = Math.floor((done * 10) / total);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      console.log(`  ${done}/${total} commands (${tenth * 10} %)`);
    }
  };
}

function printSummary(summary: DemoSummary): void {
  if (summary.skipped || summary.interrupted) return;
  const statuses = Object.entries(summary.ordersByStatus)
    .map(([status, count]) => `${status} ${count}`)
    .join(", ");
  console.log(
    `Demo data (seed ${summary.seed}, scale ${summary.scale}): ${summary.products} products, ` +
      `${summary.customers} customers, ${summary.accounts} accounts; orders: ${statuses}. ` +
      `${summary.appendedEvents} events appended in ${(summary.durationMs / 1000).toFixed(1)} s.`,
  );
  const correction = summary.taxCorrection;
  if (correction) {
    const moved = correction.byCurrency
      .map(
        (c) =>
          `${c.taxDifference >= 0 ? "+" : "-"}${formatAmount(Math.abs(c.taxDifference), c.currency)} ${c.currency}`,
      )
      .join(", ");
    console.log(
      `Tax correction ${correction.correctionId}: ${correction.changed} orders recalculated` +
        `${moved ? ` (tax owed ${moved})` : ""}.`,
    );
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArguments(argv);
  if (!args) {
    console.log(usage);
    return 0;
  }
  const config = loadConfig();
  if (config.eventStoreUrl.startsWith("pglite://")) {
    consoleLog.warn(
      { eventStore: config.eventStoreUrl },
      "embedded store: make sure no service has it open (or use DEMO=load|live with npm start)",
    );
  }
  if (config.eventStoreUrl.startsWith("memory://")) {
    consoleLog.warn({}, "memory:// store: the data set is gone when this command ends");
  }

  // Ctrl-C stops between two commands (each is atomic), so an embedded store is closed cleanly and
  // the next run completes the load.
  const interrupt = new AbortController();
  let stopLive: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    consoleLog.info({ signal }, "stopping after the command in hand");
    interrupt.abort();
    stopLive?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const store = await openEventStore(config.eventStoreUrl, {
    schema: config.eventStoreSchema,
    contracts: eventContracts,
  });
  try {
    const commands = new CommandRuntime({ store });
    const summary = await loadDemoData(commands, {
      seed: args.seed,
      scale: args.scale,
      store,
      log: consoleLog,
      signal: interrupt.signal,
      onProgress: progressPrinter(),
    });
    printSummary(summary);
    if (args.live && !interrupt.signal.aborted) {
      const activity = startDemoActivity(commands, {
        intervalMs: args.intervalMs,
        log: consoleLog,
        openOrders: summary.openOrders,
      });
      await new Promise<void>((resolve) => {
        stopLive = resolve;
        if (interrupt.signal.aborted) resolve();
      });
      await activity.stop();
    }
  } finally {
    await store.close();
  }
  return 0;
}

runCommand("demo", main);
