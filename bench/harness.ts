import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Aborted, nowMs, sleep } from "./lib/clock";
import { Driver } from "./lib/driver/index";
import { RunEnv } from "./lib/env";
import type { FigureContext } from "./lib/figure";
import { machineFacts, type MachineFacts } from "./lib/machine";
import { loads, type Load, type Mode } from "./lib/modes";
import type { FigureRow } from "./lib/report";
import { figures } from "./figures/index";

export interface BenchOptions {
  readonly mode: Mode;
  /** Stops the run: the figure in hand is abandoned, everything is cleaned up, runBench rejects. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (line: string) => void;
  /** Where the JSON result goes; null writes nothing. Default: bench/results. */
  readonly resultsDir?: string | null;
  /** Figure ids to run (default: all). */
  readonly only?: readonly string[];
}

export interface BenchReport {
  readonly runId: string;
  readonly mode: Mode;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly machine: MachineFacts;
  /** 1, 5 and 15 minute load averages when the run ended (the start is in `machine`). */
  readonly loadAverageAtEnd: readonly number[];
  readonly load: Load;
  readonly rows: readonly FigureRow[];
  readonly failures: readonly { readonly figure: string; readonly error: string }[];
  readonly resultsFile: string | null;
}

const defaultResultsDir = fileURLToPath(new URL("./results/", import.meta.url));

/** Runs every figure with its baselines, one after the other, and returns (and stores) the table. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const load = loads[options.mode];
  const signal = options.signal ?? new AbortController().signal;
  const env = new RunEnv();
  const started = new Date();
  const t0 = nowMs();
  const progress = (line: string) =>
    options.onProgress?.(`[${((nowMs() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  progress(
    `run ${env.runId} (pid ${process.pid}), ${options.mode} mode: schemas bench_${env.runId}_*, keys ${env.keyPrefix}*`,
  );

  const facts = await machineFacts(env.pool(null, 1), env.redis());
  await env.closeAll();
  const driver = await Driver.start();
  progress(`load driver started (pid ${driver.pid})`);

  let inHand: Promise<unknown> = Promise.resolve();
  const stopped = new Promise<never>((_, reject) => {
    const abort = () => reject(new Aborted());
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
  });
  stopped.catch(() => undefined);

  const rows: FigureRow[] = [];
  const failures: { figure: string; error: string }[] = [];
  const shared = new Map<string, number>();
  try {
    for (const figure of figures) {
      if (options.only && !options.only.includes(figure.id)) continue;
      const context: FigureContext = {
        load,
        env,
        driver,
        signal,
        shared,
        progress: (line) => progress(`${figure.id} ${line}`),
      };
      progress(`${figure.id} ${figure.title}`);
      const running = figure.run(context);
      inHand = running.catch(() => undefined);
      try {
        rows.push(...(await Promise.race([running, stopped])));
      } catch (error) {
        if (signal.aborted) throw new Aborted();
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures.push({ figure: figure.id, error: message });
        progress(`${figure.id} FAILED: ${message.split("\n")[0]}`);
      } finally {
        if (!signal.aborted) await env.cleanup();
      }
    }
  } catch (error) {
    // Stopped: end the driver (ours), close what the figure opened, give it a moment to notice,
    // then drop the schemas and keys.
    progress("stopping: closing connections, dropping schemas, deleting keys");
    await driver.stop().catch(() => undefined);
    await env.closeAll();
    await Promise.race([inHand, sleep(3_000)]);
    await env.cleanup(true);
    progress("stopped cleanly");
    throw error;
  }
  await driver.stop();
  await env.cleanup(true);

  const finished = new Date();
  const report: Omit<BenchReport, "resultsFile"> = {
    runId: env.runId,
    mode: options.mode,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds: (nowMs() - t0) / 1000,
    machine: facts,
    loadAverageAtEnd: os.loadavg(),
    load,
    rows,
    failures,
  };
  let resultsFile: string | null = null;
  const dir = options.resultsDir === undefined ? defaultResultsDir : options.resultsDir;
  if (dir !== null) {
    await mkdir(dir, { recursive: true });
    resultsFile = `${dir.replace(/\/$/, "")}/${started
      .toISOString()
      .replace(/:/g, "-")
      .replace(/\.\d+Z$/, "Z")}.json`;
    await writeFile(resultsFile, `${JSON.stringify({ ...report, resultsFile: undefined }, null, 2)}\n`);
    progress(`results written to ${resultsFile}`);
  }
  return { ...report, resultsFile };
}
