import type { Redis } from "ioredis";
import type {
  ConsumerGroupSettings,
  DeliveredEvent,
  EventStore,
  PersistentSubscription,
} from "../eventstore/port";
import { comparePositions, formatPosition, parsePosition } from "../eventstore/position";
import { ReadModelWriter, type ViewUnit } from "../readmodels/batch-writer";
import type { ReadModelKeys } from "../readmodels/keys";
import { ProjectorBookkeeping } from "../readmodels/projector-bookkeeping";
import { ProjectorStateStore } from "../readmodels/projector-state";
import { applyBatch, type ApplyOptions } from "./apply";
import { FreshnessReporter, type Progress, type ProjectorStatus } from "./freshness";
import { silentLog, type Log } from "./log";
import { ParkingPolicy, pause, projectorGroup } from "./parking";
import type { Projector } from "./projector";

export { projectorGroup } from "./parking";
export type { ProjectorStatus } from "./freshness";

export interface ProjectorRunnerOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keys: ReadModelKeys;
  readonly projector: Projector;
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
  /** Behind the head with a checkpoint that has not moved for this long: stalled. */
  readonly stallAfterMs?: number;
}

/**
 * Feeds one projector from its consumer group. Per batch: project every event (pure), apply the
 * guarded writes + checkpoint in one Lua call, then ack what applied or was a duplicate and hand
 * the rest to the parking policy (retry, then park).
 *
 * The checkpoint in Redis is the authority: at start the consumer group is moved to it, and when
 * Redis reports it lost (restart without persistence, FLUSHDB) the group is rewound to the start
 * and the view rebuilt; the guards make every replayed event that is already applied a no-op.
 */
export class ProjectorRunner {
  private readonly bookkeeping: ProjectorBookkeeping;
  private readonly parking: ParkingPolicy;
  private readonly reporter: FreshnessReporter;
  private readonly apply: ApplyOptions;
  private readonly log: Log;
  private readonly stopped = new AbortController();
  private readonly progress: Progress = {
    status: "starting",
    checkpoint: null,
    eventsApplied: 0,
    lossNoticed: false,
  };
  private subscription: PersistentSubscription | null = null;
  private loop: Promise<void> | null = null;
  private rebuildTarget: string | null = null;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ProjectorRunnerOptions) {
    const { store, redis, keys, projector } = options;
    this.log = options.log ?? silentLog;
    this.bookkeeping = new ProjectorBookkeeping(redis, keys, projector.name);
    this.parking = new ParkingPolicy(
      store,
      this.groupName,
      projector,
      this.bookkeeping,
      this.log,
      options.retryBackoffMs,
    );
    const reportEveryMs = options.reportEveryMs ?? 1_000;
    const leaseMs = options.groupSettings?.leaseTimeoutMs ?? 5_000;
    this.reporter = new FreshnessReporter(
      {
        store,
        states: new ProjectorStateStore(redis, keys),
        projector,
        groupName: this.groupName,
        consumerName: options.consumerName,
        log: this.log,
        stallAfterMs: options.stallAfterMs ?? 10_000,
        trustForMs: Math.min(leaseMs, Math.max(3 * reportEveryMs, 1_000)),
        onParkedCount: (parked) => this.parking.refreshIfChanged(parked),
        beforeReport: () => this.noticeLostCheckpoint(),
      },
      this.progress,
    );
    this.apply = {
      writer: new ReadModelWriter(redis),
      checkpointKey: this.bookkeeping.checkpointKey,
      projector: projector.name,
      log: this.log,
      retryMs: options.redisRetryMs ?? 500,
      signal: this.stopped.signal,
    };
  }

  get name(): string {
    return this.options.projector.name;
  }

  get groupName(): string {
    return this.options.groupName ?? projectorGroup(this.options.projector.name);
  }

  get status(): ProjectorStatus {
    return this.progress.status;
  }

  get position(): string | null {
    return this.progress.checkpoint;
  }

  get applied(): number {
    return this.progress.eventsApplied;
  }

  async start(): Promise<void> {
    const { store, projector } = this.options;
    await store.createConsumerGroup(this.groupName, {
      ...this.options.groupSettings,
      startFrom: "start",
      filter: projector.filter,
    });
    this.loop = this.run().catch((error: unknown) => {
      this.log.error({ projector: this.name, err: error }, "projector stopped on an unexpected error");
      this.progress.status = "stopped";
    });
    this.reportTimer = setInterval(() => void this.report(), this.options.reportEveryMs ?? 1_000);
    this.reportTimer.unref();
  }

  /** Finishes the batch in hand (its checkpoint is stored with it), then releases the group. A
   * batch waiting for Redis is dropped unacked (redelivered to the next owner), never waited for. */
  async stop(): Promise<void> {
    this.stopped.abort();
    await this.subscription?.close().catch(() => undefined);
    await this.loop;
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.progress.status = "stopped";
    // A last report, if Redis and the store answer soon; a stop never waits on them.
    await Promise.race([this.report(), pause(1_000, new AbortController().signal)]);
  }

  report(): Promise<void> {
    return this.reporter.report();
  }

  private async run(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      try {
        if (!(await this.consume())) return;
        this.log.warn(
          { projector: this.name },
          "read model checkpoint lost in Redis; rebuilding from the log",
        );
      } catch (error) {
        if (this.stopped.signal.aborted) return;
        // Redis or the event store went away mid-way: nothing was acked that was not written, so
        // start over from the checkpoint once they answer again.
        this.log.warn(
          { projector: this.name, err: error },
          "projector interrupted; resuming from its checkpoint",
        );
        await this.subscription?.close().catch(() => undefined);
        this.subscription = null;
        await pause(this.apply.retryMs, this.stopped.signal);
      }
    }
  }

  /** One subscription's life. Returns true when Redis lost the checkpoint and the view must be rebuilt. */
  private async consume(): Promise<boolean> {
    await this.alignGroupWithRedis();
    const subscription = this.options.store.subscribe(this.groupName, {
      consumerName: this.options.consumerName,
    });
    this.subscription = subscription;
    // stop() may have run while this was starting: it found no subscription to close.
    if (this.stopped.signal.aborted) await subscription.close();
    let lost = false;
    for await (const batch of subscription.batches()) {
      lost = !(await this.handle(subscription, batch));
      if (lost || this.stopped.signal.aborted || this.progress.lossNoticed) break;
    }
    await subscription.close();
    this.subscription = null;
    if (this.progress.lossNoticed && !this.stopped.signal.aborted) {
      lost = true;
      this.progress.lossNoticed = false;
    }
    return lost;
  }

  /**
   * Redis is the authority: when it is behind the consumer group (it lost data, or a batch was
   * written to the store's checkpoint but not to Redis), the group is moved back to it. When Redis
   * is ahead, nothing moves: the events between are redelivered and skipped as duplicates, and a
   * standby process does not take the group from the active one.
   */
  private async alignGroupWithRedis(): Promise<void> {
    const { store } = this.options;
    const inRedis = await this.bookkeeping.checkpoint();
    const group = await store.getConsumerGroup(this.groupName);
    const inStore = group?.checkpoint ?? null;
    const redisBehind =
      inStore !== null && (inRedis === null || comparePositions(parsePosition(inRedis), inStore) < 0);
    if (redisBehind) {
      if (inRedis === null) {
        this.log.warn(
          { projector: this.name, groupCheckpoint: formatPosition(inStore) },
          "read model checkpoint missing in Redis (Redis lost its data?); rebuilding the view from the start of the log",
        );
      }
      await store.resetConsumerGroup(this.groupName, inRedis ? parsePosition(inRedis) : null);
    }
    this.progress.checkpoint = inRedis;
    this.parking.retries = group?.settings.maxRetryCount ?? 5;
    await this.parking.refresh();
    const head = await store.headPosition();
    const behind = head !== null && (inRedis === null || comparePositions(parsePosition(inRedis), head) < 0);
    this.rebuildTarget = behind ? formatPosition(head) : null;
    this.progress.status = !behind
      ? "live"
      : inRedis === null && inStore !== null
        ? "rebuilding"
        : "catching_up";
  }

  /**
   * An idle runner learns of a Redis that lost its data (restart without persistence, FLUSHDB)
   * here rather than at its next batch: it lets go of the subscription and rebuilds.
   */
  private async noticeLostCheckpoint(): Promise<void> {
    if (this.progress.checkpoint === null || this.stopped.signal.aborted || this.progress.lossNoticed) return;
    if ((await this.bookkeeping.checkpoint()) !== null) return;
    this.progress.lossNoticed = true;
    this.progress.status = "rebuilding";
    await this.subscription?.close();
  }

  /** Returns false when Redis lost the checkpoint and the view must be rebuilt. */
  private async handle(
    subscription: PersistentSubscription,
    batch: readonly DeliveredEvent[],
  ): Promise<boolean> {
    await this.parking.backOff(batch, this.stopped.signal);
    const failures = new Map<string, string>();
    let units = batch.map((event) => this.project(event, failures));
    const skipped = await this.parking.skippedIn(batch, failures.size > 0);
    if (skipped.size > 0) {
      units = batch.map((event, i) => (skipped.has(event.id) ? this.parking.passOver(event) : units[i]!));
    }
    const outcome = await applyBatch(this.apply, this.progress.checkpoint, units);
    if (outcome.kind === "lost") {
      await this.options.store.resetConsumerGroup(this.groupName, null);
      this.progress.checkpoint = null;
      return false;
    }
    const settled: DeliveredEvent[] = [];
    for (const [i, event] of batch.entries()) {
      const result = outcome.units[i];
      if (result === "applied" || result === "duplicate") {
        settled.push(event);
        if (result === "applied") this.progress.eventsApplied++;
        continue;
      }
      const cause =
        result === "gap"
          ? null
          : (failures.get(event.id) ??
            outcome.refusals?.get(i) ??
            "the read model refused the event's writes");
      await this.parking.setAside(subscription, event, cause);
    }
    await subscription.ack(settled);
    await this.parking.skipsApplied(skipped);
    if (outcome.checkpoint) this.advance(outcome.checkpoint);
    return true;
  }

  private advance(checkpoint: string): void {
    this.progress.checkpoint = checkpoint;
    if (
      this.rebuildTarget &&
      comparePositions(parsePosition(checkpoint), parsePosition(this.rebuildTarget)) >= 0
    ) {
      this.rebuildTarget = null;
      this.progress.status = "live";
      this.log.info({ projector: this.name, checkpoint }, "projector caught up");
    }
  }

  /** The event's writes; a handler that throws gives a failed unit (retried, then parked). */
  private project(event: DeliveredEvent, failures: Map<string, string>): ViewUnit {
    const position = formatPosition(event.position);
    try {
      return { position, ok: true, ...this.options.projector.project(event) };
    } catch (error) {
      failures.set(event.id, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      return { position, ok: false, guard: null, ops: [], notices: [] };
    }
  }
}
