import type { Redis } from "ioredis";
import type { ConsumerGroupSettings, EventStore } from "../eventstore/port";
import { ReadModelWriter, type Fence } from "../readmodels/batch-writer";
import type { ReadModelKeys } from "../readmodels/keys";
import { ProjectorBookkeeping } from "../readmodels/projector-bookkeeping";
import { ProjectorStateStore } from "../readmodels/projector-state";
import type { ApplyOptions } from "./apply";
import { FreshnessReporter, type Progress } from "./freshness";
import type { Log } from "./log";
import type { LogHead } from "./log-head";
import { ParkingPolicy } from "./parking";
import type { Projector } from "./projector";

/**
 * A runner that follows its view's generations: it writes to the live one, fenced on it, and when
 * a rebuild switches the view it moves to the new generation and resumes from its checkpoint.
 */
export interface FollowedView {
  /** The view's name (a partitioned projector's name has its partition added). */
  readonly view: string;
  /** The projector writing to the generation these keys name. */
  projectorAt(keys: ReadModelKeys): Projector;
}

export interface ProjectorRunnerOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keys: ReadModelKeys;
  readonly projector: Projector;
  /** Follow the view's generations (absent: write under `keys` as given, unfenced). */
  readonly follow?: FollowedView;
  readonly consumerName: string;
  /** Consumer group to read from; default `projector-<name>`. A parallel rebuild uses another. */
  readonly groupName?: string;
  /** Batch size, lease, retries of the consumer group (PROJECTOR_BATCH_SIZE, PROJECTOR_LEASE_MS). */
  readonly groupSettings?: Partial<ConsumerGroupSettings>;
  readonly log?: Log;
  /** First wait before writing a batch again while Redis is away (it doubles, up to 5 s). */
  readonly redisRetryMs?: number;
  /** First wait before a batch with retried events; doubles per attempt (capped at 2 s). */
  readonly retryBackoffMs?: number;
  /** How often the runner reports its state (lag, status) to Redis. */
  readonly reportEveryMs?: number;
  /** The log's head, read once per interval for every projector of the process (default: its own). */
  readonly logHead?: LogHead;
  /** Behind the head with a checkpoint that has not moved for this long: stalled. */
  readonly stallAfterMs?: number;
  /**
   * Called when Redis is found to have lost the read models (a restart without its data), before
   * the view is rebuilt: the service marks Redis as holding this store's read models again, so
   * that a process starting meanwhile does not take the rebuilt views for another store's.
   */
  readonly onReadModelsLost?: () => Promise<void>;
}

/** The runner's parts, each with one job: its records in Redis, the retry and parking policy,
 * the freshness reporter and the batch writer. */
export function assemble(
  options: ProjectorRunnerOptions & { readonly fence?: Fence | null; readonly generation?: number },
  groupName: string,
  log: Log,
  progress: Progress,
  stopped: AbortSignal,
  noticeLostCheckpoint: () => Promise<void>,
) {
  const { store, redis, keys, projector } = options;
  const bookkeeping = new ProjectorBookkeeping(redis, keys, projector.name);
  const parking = new ParkingPolicy(store, groupName, projector, bookkeeping, log, options.retryBackoffMs);
  const reportEveryMs = options.reportEveryMs ?? 1_000;
  const leaseMs = options.groupSettings?.leaseTimeoutMs ?? 5_000;
  const reporter = new FreshnessReporter(
    {
      store,
      states: new ProjectorStateStore(redis, keys),
      projector,
      groupName,
      consumerName: options.consumerName,
      log,
      stallAfterMs: options.stallAfterMs ?? 10_000,
      // A report is trusted for three intervals, never past the lease (a killed runner's successor
      // may take over then).
      trustForMs: Math.min(leaseMs, Math.max(3 * reportEveryMs, 1_000)),
      onParkedCount: (parked) => parking.refreshIfChanged(parked),
      beforeReport: noticeLostCheckpoint,
      generation: options.generation ?? 0,
      ...(options.logHead && { head: options.logHead }),
    },
    progress,
  );
  const apply: ApplyOptions = {
    writer: new ReadModelWriter(redis),
    checkpointKey: bookkeeping.checkpointKey,
    projector: projector.name,
    log,
    retryMs: options.redisRetryMs ?? 500,
    signal: stopped,
    fence: options.fence ?? null,
  };
  return { bookkeeping, parking, reporter, apply };
}
