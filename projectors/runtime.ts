import type { DeliveredEvent, PersistentSubscription } from "../eventstore/port";
import { comparePositions, parsePosition } from "../eventstore/position";
import type { ProjectorBookkeeping } from "../readmodels/projector-bookkeeping";
import { alignGroupWithRedis } from "./alignment";
import type { ApplyOptions } from "./apply";
import { handleBatch } from "./batch";
import { startingProgress, type FreshnessReporter, type Progress, type ProjectorStatus } from "./freshness";
import { silentLog, type Log } from "./log";
import { pause, projectorGroup, type ParkingPolicy } from "./parking";
import { assemble, type ProjectorRunnerOptions } from "./runner-parts";

export { projectorGroup } from "./parking";
export type { ProjectorStatus } from "./freshness";
export type { ProjectorRunnerOptions } from "./runner-parts";

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
  private readonly progress: Progress = startingProgress();
  private subscription: PersistentSubscription | null = null;
  private loop: Promise<void> | null = null;
  private rebuildTarget: string | null = null;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ProjectorRunnerOptions) {
    this.log = options.log ?? silentLog;
    ({
      bookkeeping: this.bookkeeping,
      parking: this.parking,
      reporter: this.reporter,
      apply: this.apply,
    } = assemble(options, this.groupName, this.log, this.progress, this.stopped.signal, () =>
      this.noticeLostCheckpoint(),
    ));
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
    await this.align();
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

  private async align(): Promise<void> {
    const { bookkeeping, log, groupName } = this;
    const aligned = await alignGroupWithRedis({ ...this.options, groupName, bookkeeping, log });
    this.progress.checkpoint = aligned.checkpoint;
    this.progress.status = aligned.status;
    this.rebuildTarget = aligned.rebuildTarget;
    this.parking.retries = aligned.maxRetryCount;
    await this.parking.refresh();
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
    const { projector, store } = this.options;
    const traced = this.progress.status !== "rebuilding";
    const parts = { projector, parking: this.parking, apply: this.apply, traced };
    const result = await handleBatch(parts, subscription, batch, this.progress.checkpoint);
    if (result.lost) {
      await store.resetConsumerGroup(this.groupName, null);
      this.progress.checkpoint = null;
      return false;
    }
    this.progress.eventsApplied += result.applied;
    if (result.checkpoint) this.advance(result.checkpoint);
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
}
