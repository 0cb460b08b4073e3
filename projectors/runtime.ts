import type { DeliveredEvent, PersistentSubscription } from "../eventstore/port";
import { comparePositions, parsePosition } from "../eventstore/position";
import type { Fence } from "../readmodels/batch-writer";
import { ViewGenerations } from "../readmodels/generations";
import { generationKeys, partitionIndexOf, type ReadModelKeys } from "../readmodels/keys";
import type { ProjectorBookkeeping } from "../readmodels/projector-bookkeeping";
import { alignGroupWithRedis } from "./alignment";
import type { ApplyOptions } from "./apply";
import { handleBatch } from "./batch";
import { startingProgress, type FreshnessReporter, type Progress, type ProjectorStatus } from "./freshness";
import { silentLog, type Log } from "./log";
import { pause, projectorGroup, type ParkingPolicy } from "./parking";
import type { Projector } from "./projector";
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
  private bookkeeping!: ProjectorBookkeeping;
  private parking!: ParkingPolicy;
  private reporter!: FreshnessReporter;
  private apply!: ApplyOptions;
  /** What this runner writes now: the projector over the keys of its view's live generation. */
  private projector: Projector;
  private keys: ReadModelKeys;
  private generation = 0;
  /** Where the view's live generation is recorded (read when following it). */
  private readonly generations: ViewGenerations;
  /** A rebuild switched the view while this runner was idle (see noticeSwitch). */
  private moveNoticed = false;
  private readonly log: Log;
  private readonly stopped = new AbortController();
  private readonly progress: Progress = startingProgress();
  private subscription: PersistentSubscription | null = null;
  private loop: Promise<void> | null = null;
  private rebuildTarget: string | null = null;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ProjectorRunnerOptions) {
    this.log = options.log ?? silentLog;
    if (options.keys.layout.cluster && !options.follow && options.keys.viewPrefix() === options.keys.prefix) {
      // Each view has a prefix of its own in the cluster layout; the bare prefix names no view's data.
      throw new Error(
        `projector ${options.projector.name}: on a Redis Cluster, give the runner its view's keys ` +
          `(viewKeys) or the view to follow`,
      );
    }
    if (
      options.follow &&
      options.keys.spreadOf(options.follow.view) !== null &&
      this.spreadPartition === null
    ) {
      // A spread view's keys are in one slot per partition; a whole projector's batch would span them.
      throw new Error(
        `projector ${options.projector.name}: view ${options.follow.view} is spread over the cluster's ` +
          `partitions; run it as a partition (PROJECTOR_PARTITION)`,
      );
    }
    this.projector = options.projector;
    this.keys = options.keys;
    this.generations = new ViewGenerations(options.redis, options.keys);
    this.assemble(null);
  }

  private assemble(fence: Fence | null): void {
    const options = {
      ...this.options,
      keys: this.keys,
      projector: this.projector,
      fence,
      generation: this.generation,
    };
    ({
      bookkeeping: this.bookkeeping,
      parking: this.parking,
      reporter: this.reporter,
      apply: this.apply,
    } = assemble(options, this.groupName, this.log, this.progress, this.stopped.signal, () =>
      this.noticeLostCheckpoint(),
    ));
  }

  /**
   * Moves to the view's live generation if it is not the one written to: its keys, its
   * checkpoint, and a fence on it, so nothing is written once a rebuild has switched the view.
   */
  private async followGeneration(): Promise<void> {
    const { follow } = this.options;
    if (!follow) return;
    const generations = this.generations;
    const partition = this.spreadPartition;
    const live =
      partition === null
        ? await generations.live(follow.view)
        : await this.settledGeneration(follow.view, partition);
    if (live === this.generation && this.apply.fence) return;
    if (live !== this.generation) {
      this.log.info(
        { projector: this.name, from: this.generation, to: live },
        "view switched to a rebuilt generation; projecting into it",
      );
    }
    this.generation = live;
    this.keys = generationKeys(this.options.keys, follow.view, live);
    this.projector = follow.projectorAt(this.keys);
    this.assemble(generations.liveFence(follow.view, live, partition));
  }

  /** The partition of a spread view this runner writes, or null (a view with one slot). */
  private get spreadPartition(): number | null {
    const { follow, keys, projector } = this.options;
    if (!follow || keys.spreadOf(follow.view) === null) return null;
    return partitionIndexOf(projector.name);
  }

  /**
   * The generation a spread view's partition writes: its own copy of `live`, first moved to the
   * view's live generation when a rebuild switched the view and did not get to this partition.
   */
  private async settledGeneration(view: string, partition: number): Promise<number> {
    const generations = this.generations;
    const [viewLive, partitionLive] = await Promise.all([
      generations.live(view),
      generations.partitionLive(view, partition),
    ]);
    if (viewLive === partitionLive) return partitionLive;
    const settled = await generations.settle(view, partition, viewLive, this.options.projector.name);
    if (settled !== "not built") return viewLive;
    this.log.warn(
      { projector: this.name, view: viewLive, partition: partitionLive },
      "the view's live generation was never built for this partition; writing the partition's own",
    );
    return partitionLive;
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

  /** The generation of its view this runner writes (0 until the view's first rebuild). */
  get viewGeneration(): number {
    return this.generation;
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
        const ended = await this.consume();
        if (ended === "stopped") return;
        if (ended === "lost") {
          this.log.warn(
            { projector: this.name },
            "read model checkpoint lost in Redis; rebuilding from the log",
          );
          await this.options.onReadModelsLost?.();
        }
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

  /**
   * One subscription's life. Ends "lost" when Redis lost the checkpoint and the view must be
   * rebuilt, "moved" when a rebuild switched the view to another generation.
   */
  private async consume(): Promise<"stopped" | "lost" | "moved"> {
    await this.followGeneration();
    await this.align();
    const subscription = this.options.store.subscribe(this.groupName, {
      consumerName: this.options.consumerName,
    });
    this.subscription = subscription;
    // stop() (or a switch noticed) may have come while this was starting: it found no
    // subscription to close.
    if (this.stopped.signal.aborted || this.moveNoticed) await subscription.close();
    let ended: "stopped" | "lost" | "moved" = "stopped";
    for await (const batch of subscription.batches()) {
      const next = await this.handle(subscription, batch);
      if (next !== "next") ended = next;
      if (next !== "next" || this.stopped.signal.aborted || this.progress.lossNoticed || this.moveNoticed)
        break;
    }
    await subscription.close();
    this.subscription = null;
    if (this.progress.lossNoticed && !this.stopped.signal.aborted) {
      ended = "lost";
      this.progress.lossNoticed = false;
    } else if (this.moveNoticed && !this.stopped.signal.aborted) {
      ended = "moved";
    }
    this.moveNoticed = false;
    return ended;
  }

  private async align(): Promise<void> {
    const { bookkeeping, log, groupName } = this;
    const aligned = await alignGroupWithRedis({
      ...this.options,
      projector: this.projector,
      groupName,
      bookkeeping,
      log,
    });
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
    await this.noticeSwitch();
    if (this.progress.checkpoint === null || this.stopped.signal.aborted || this.progress.lossNoticed) return;
    if ((await this.bookkeeping.checkpoint()) !== null) return;
    this.progress.lossNoticed = true;
    this.progress.status = "rebuilding";
    await this.subscription?.close();
  }

  /**
   * An idle runner learns of a rebuild's switch here (every report), not only at its next batch:
   * it lets go of the subscription and moves to the new generation at once, so the view it now
   * feeds is not left behind while no event comes.
   */
  private async noticeSwitch(): Promise<void> {
    const { follow } = this.options;
    if (!follow || this.stopped.signal.aborted || this.moveNoticed || !this.apply.fence) return;
    const live = await this.generations.live(follow.view);
    if (live === this.generation) return;
    this.moveNoticed = true;
    await this.subscription?.close();
  }

  /** "next" when the batch is done and the next may come; else why the subscription must end. */
  private async handle(
    subscription: PersistentSubscription,
    batch: readonly DeliveredEvent[],
  ): Promise<"next" | "lost" | "moved"> {
    const traced = this.progress.status !== "rebuilding";
    const parts = { projector: this.projector, parking: this.parking, apply: this.apply, traced };
    const result = await handleBatch(parts, subscription, batch, this.progress.checkpoint);
    if (result.moved) return "moved";
    if (result.lost) {
      // The group is rewound by the alignment that follows, as when the loss is noticed idle, so
      // both ways the view is rebuilt with status "rebuilding" (and adds no span to old traces).
      this.progress.checkpoint = null;
      return "lost";
    }
    this.progress.eventsApplied += result.applied;
    if (result.checkpoint) this.advance(result.checkpoint);
    return "next";
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
