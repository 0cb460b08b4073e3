import { Worker, type ConnectionOptions, type Job, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { CommandRuntime } from "../commands/runtime";
import type { SnapshotPolicy } from "../commands/snapshots";
import type { EventLog } from "../eventstore/port";
import type { ReadModelKeys } from "../readmodels/keys";
import type { Log } from "../projectors/log";
import { progressMeter } from "./progress";
import { jobKinds, queueNames } from "./queues";
import { sweepSnapshots } from "./snapshot-sweep";
import { rebuildView, type RebuildProgress, type RebuildResult } from "./rebuild";
import type { RebuildJobData } from "./rebuild-requests";
import type { Projector } from "../projectors/projector";
import type { ProcessJobData } from "./processes/dispatcher";
import type { ProcessManager } from "./processes/process";
import { ProcessSteps } from "./processes/steps";
import { correctTax, type TaxCorrectionJobData } from "./tax-correction";

export interface WorkerOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly queue: Queue;
  readonly log: EventLog;
  readonly commands: CommandRuntime;
  readonly snapshotPolicy: (aggregate: string) => SnapshotPolicy;
  /** How often the snapshot sweep runs (null: not scheduled). */
  readonly snapshotSweepEveryMs: number | null;
  /** Where jobs keep what they must remember between runs (the sweep's position). */
  readonly redis: Redis;
  readonly keys: ReadModelKeys;
  readonly logger: Log;
  /** A view's projector writing to the generation the keys name (for rebuilds). */
  readonly projectorAt: (view: string, keys: ReadModelKeys) => Projector;
  /** Projector partitions the deployment runs (a rebuild gives each its checkpoint). */
  readonly partitions: number;
  /** The process managers whose reactions this process runs. */
  readonly processes: readonly ProcessManager[];
  readonly settings: {
    /** Reactions run at once in this process (commands to one stream still queue up one by one). */
    readonly processConcurrency: number;
    readonly processStepPauseMs: number;
    readonly lockMs: number;
    readonly rebuildPageSize: number;
    readonly rebuildRetireAfterMs: number;
  };
}

export interface RunningWorkers {
  stop(): Promise<void>;
}

/**
 * Runs the workers of this process (ROLE=worker or ROLE=all) and keeps the repeatable jobs'
 * schedules as configured. A job a worker was running when its process died is detected by BullMQ
 * (stalled: its lock lapses) and taken by another worker.
 */
export async function startWorkers(options: WorkerOptions): Promise<RunningWorkers> {
  const { queue, logger } = options;
  if (options.snapshotSweepEveryMs !== null) {
    await queue.upsertJobScheduler(
      jobKinds.snapshotSweep,
      { every: options.snapshotSweepEveryMs },
      { name: jobKinds.snapshotSweep, data: {} },
    );
  } else {
    await queue.removeJobScheduler(jobKinds.snapshotSweep);
  }
  const worker = new Worker(queueNames.maintenance, (job) => run(options, job), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: 2,
    // A dead worker's job is found (its lock lapsed) and handed to another within about two of
    // these; a rebuild survives a few such deaths, resuming each time from its checkpoint.
    lockDuration: options.settings.lockMs,
    stalledInterval: options.settings.lockMs,
    maxStalledCount: 5,
  });
  worker.on("failed", (job, error) =>
    logger.warn({ jobId: job?.id, kind: job?.name, attempts: job?.attemptsMade, err: error }, "job failed"),
  );
  worker.on("error", (error) => logger.warn({ err: error }, "job worker error"));
  const reactions = new Worker<ProcessJobData>(queueNames.processes, (job) => react(options, job), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.settings.processConcurrency,
    lockDuration: options.settings.lockMs,
    stalledInterval: options.settings.lockMs,
    maxStalledCount: 5,
  });
  reactions.on("failed", (job, error) =>
    logger.warn(
      { jobId: job?.id, process: job?.name, attempts: job?.attemptsMade, err: error },
      "process reaction failed",
    ),
  );
  reactions.on("error", (error) => logger.warn({ err: error }, "process worker error"));
  await Promise.all([worker.waitUntilReady(), reactions.waitUntilReady()]);
  return {
    async stop() {
      // A job in hand is left to BullMQ: its lock lapses and another worker takes it (stalled).
      await Promise.all([worker.close(true), reactions.close(true)]);
    },
  };
}

/** One reaction: the process's steps, each an idempotent command keyed by the causing event. */
async function react(options: WorkerOptions, job: Job<ProcessJobData>): Promise<string> {
  const { process: name, event } = job.data;
  const process = options.processes.find((p) => p.name === name);
  if (!process) throw new Error(`no process manager "${name}"`);
  const steps = new ProcessSteps(
    options.commands,
    name,
    event,
    () => new Date(),
    options.settings.processStepPauseMs,
  );
  return process.react(event, { steps, log: options.log });
}

async function run(options: WorkerOptions, job: Job): Promise<unknown> {
  switch (job.name) {
    case jobKinds.snapshotSweep:
      return snapshotSweep(options, job);
    case jobKinds.rebuild:
      return rebuild(options, job as Job<RebuildJobData>);
    case jobKinds.taxCorrection:
      return taxCorrection(options, job as Job<TaxCorrectionJobData>);
    default:
      throw new Error(`no worker knows jobs of kind "${job.name}"`);
  }
}

async function taxCorrection(options: WorkerOptions, job: Job<TaxCorrectionJobData>) {
  const { dryRun, rateBps, placedBefore, region } = job.data;
  // Every attempt reads all orders again: its count starts at 0.
  const meter = progressMeter(job.processedOn);
  const verb = dryRun ? "would change" : "changed";
  const report = await correctTax({ rateBps, placedBefore, region }, dryRun, {
    log: options.log,
    commands: options.commands,
    correlationId: `job:${job.id}`,
    onProgress: (p) => job.updateProgress({ ...meter(p.scanned, p.total, `${p.changed} orders ${verb}`) }),
  });
  const scanned = report.ordersScanned;
  await job.updateProgress({ ...meter(scanned, scanned, `done: ${report.changed} orders ${verb}`) });
  return report;
}

async function snapshotSweep(options: WorkerOptions, job: Job) {
  const { redis, keys } = options;
  // It counts the events this attempt reads (from the position the last sweep stored).
  const meter = progressMeter(job.processedOn);
  const positionKey = keys.jobState(jobKinds.snapshotSweep);
  const after = await redis.get(positionKey);
  const result = await sweepSnapshots({
    log: options.log,
    commands: options.commands,
    policyFor: options.snapshotPolicy,
    after,
    onProgress: (p) =>
      job.updateProgress({
        ...meter(p.eventsRead, null, `${p.streams} aggregates changed, ${p.snapshotted} snapshotted`),
      }),
  });
  if (result.position) await redis.set(positionKey, result.position);
  await job.updateProgress({ ...meter(result.eventsRead, result.eventsRead, "done") });
  return result;
}

async function rebuild(options: WorkerOptions, job: Job<RebuildJobData>): Promise<RebuildResult> {
  const { view, generation } = job.data;
  let meter: ReturnType<typeof progressMeter> | null = null;
  const stageText = (p: RebuildProgress) =>
    p.stage === "building"
      ? `building generation ${generation} of ${view}`
      : p.stage === "retiring"
        ? `switched; removing the replaced generation (${p.keysRemoved} keys so far)`
        : p.stage === "done"
          ? `done; ${p.keysRemoved} keys of the replaced generation removed`
          : p.stage;
  let last = 0;
  const result = await rebuildView(
    {
      log: options.log,
      redis: options.redis,
      keys: options.keys,
      projectorAt: (keys) => options.projectorAt(view, keys),
      partitions: options.partitions,
      pageSize: options.settings.rebuildPageSize,
      retireAfterMs: options.settings.rebuildRetireAfterMs,
      onProgress: async (p) => {
        // The first report, before any page is read, says where this attempt starts: 0, or the
        // checkpoint an earlier attempt left.
        meter ??= progressMeter(job.processedOn, p.done);
        // Every stage change, and at most four reports a second while building.
        if (p.stage === "building" && Date.now() - last < 250 && p.done < p.total) return;
        last = Date.now();
        await job.updateProgress({ ...meter(p.done, p.total, stageText(p)) });
      },
    },
    view,
    generation,
  );
  options.logger.info({ ...result }, `rebuild of ${view}: ${result.outcome}`);
  return result;
}
