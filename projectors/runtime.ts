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
import { ProjectorStateStore, type FreshnessStatus } from "../readmodels/projector-state";
import { silentLog, type Log } from "./log";
import type { Projector } from "./projector";

/** The consumer group a projector reads from by default. */
export function projectorGroup(projector: string): string {
  return `projector-${projector}`;
}

export type ProjectorStatus = FreshnessStatus | "starting";

export interface ProjectorRunnerOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keys: ReadModelKeys;
  readonly projector: Projector;
  readonly consumerName: string;
  /** Consumer group to read from; default `projector-<name>`. A parallel rebuild uses another. */
  readonly groupName?: string;
  readonly groupSettings?: Partial<ConsumerGroupSettings>;
  readonly log?: Log;
  /** Wait before retrying a batch Redis could not take (Redis unreachable). */
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
 * guarded writes + checkpoint in one Lua call, then ack what applied or was a duplicate and nack
 * what failed or arrived ahead of a missing earlier event of its stream.
 *
 * The checkpoint in Redis is the authority: at start the consumer group is moved to it, and when
 * Redis reports it lost (restart without persistence, FLUSHDB) the group is rewound to the start
 * and the view rebuilt; the guards make every replayed event that is already applied a no-op.
 */
export class ProjectorRunner {
  private readonly writer: ReadModelWriter;
  private readonly log: Log;
  private subscription: PersistentSubscription | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private currentStatus: ProjectorStatus = "starting";
  private checkpoint: string | null = null;
  private rebuildTarget: string | null = null;
  private eventsApplied = 0;
  /** Streams with a parked event, and which one: later events of them are parked behind it. */
  private blockedStreams = new Map<string, string>();
  private maxRetryCount = 5;
  /** How many parked events an operator marked to skip (refreshed with each report). */
  private skipsMarked = 0;
  /** Set when the heartbeat finds the checkpoint gone from Redis while the runner waits for events. */
  private lossNoticed = false;
  private readonly stateStore: ProjectorStateStore;
  private reporter: NodeJS.Timeout | null = null;
  private lastReport = { at: Date.now(), applied: 0, checkpoint: null as string | null, movedAt: Date.now() };

  constructor(private readonly options: ProjectorRunnerOptions) {
    this.writer = new ReadModelWriter(options.redis);
    this.log = options.log ?? silentLog;
    this.stateStore = new ProjectorStateStore(options.redis, options.keys);
  }

  get name(): string {
    return this.options.projector.name;
  }

  get groupName(): string {
    return this.options.groupName ?? projectorGroup(this.options.projector.name);
  }

  get status(): ProjectorStatus {
    return this.currentStatus;
  }

  get position(): string | null {
    return this.checkpoint;
  }

  get applied(): number {
    return this.eventsApplied;
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
      this.currentStatus = "stopped";
    });
    this.reporter = setInterval(() => void this.report(), this.options.reportEveryMs ?? 1_000);
    this.reporter.unref();
  }

  /** Finishes the batch in hand (its checkpoint is stored with it), then releases the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.loop;
    if (this.reporter) clearInterval(this.reporter);
    this.currentStatus = "stopped";
    await this.report();
  }

  /**
   * Measures lag against the log's head and writes the projector's state to Redis, where the
   * gateway reads it for every view's `meta` (freshness is data, DESIGN.md contract 11).
   */
  async report(): Promise<void> {
    const { store, projector, consumerName } = this.options;
    try {
      const now = Date.now();
      const after = this.checkpoint ? parsePosition(this.checkpoint) : null;
      const [head, lagEvents, next, group] = await Promise.all([
        store.headPosition(),
        store.countAfter(after, projector.filter),
        store.readAll({ ...(after && { after }), maxCount: 1, filter: projector.filter }),
        store.getConsumerGroup(this.groupName),
      ]);
      if (this.checkpoint !== this.lastReport.checkpoint) this.lastReport.movedAt = now;
      const elapsed = Math.max(1, now - this.lastReport.at) / 1000;
      const eventsPerSecond = Math.round((this.eventsApplied - this.lastReport.applied) / elapsed);
      this.lastReport = {
        ...this.lastReport,
        at: now,
        applied: this.eventsApplied,
        checkpoint: this.checkpoint,
      };
      const lagMs = next[0] ? Math.max(0, now - next[0].recordedAt.getTime()) : 0;
      await this.noticeLostCheckpoint();
      this.skipsMarked = await this.options.redis.scard(this.options.keys.skippedEvents(this.name));
      if (group && group.parkedCount !== this.blockedStreams.size) await this.refreshBlockedStreams();
      // A rebuild is over when nothing is left to apply, even if none of the log was this view's.
      if (this.currentStatus === "rebuilding" && lagEvents === 0 && !this.lossNoticed) {
        this.rebuildTarget = null;
        this.currentStatus = "live";
      }
      if (this.currentStatus !== "stopped" && this.currentStatus !== "rebuilding") {
        const stalled =
          lagEvents > 0 && now - this.lastReport.movedAt > (this.options.stallAfterMs ?? 10_000);
        this.currentStatus = lagEvents === 0 ? "live" : stalled ? "stalled" : "catching_up";
      }
      await this.stateStore.report({
        projector: this.name,
        status: this.currentStatus,
        checkpoint: this.checkpoint,
        head: head ? formatPosition(head) : null,
        lagEvents,
        lagMs,
        eventsPerSecond,
        parked: group?.parkedCount ?? 0,
        consumer: consumerName,
        reportedAt: new Date(now).toISOString(),
      });
    } catch (error) {
      this.log.warn({ projector: this.name, err: error }, "could not report projector state");
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!(await this.consume())) return;
        this.log.warn(
          { projector: this.name },
          "read model checkpoint lost in Redis; rebuilding from the log",
        );
      } catch (error) {
        // Redis or the event store went away mid-way: nothing was acked that was not written, so
        // start over from the checkpoint once they answer again.
        this.log.warn(
          { projector: this.name, err: error },
          "projector interrupted; resuming from its checkpoint",
        );
        await this.subscription?.close().catch(() => undefined);
        this.subscription = null;
        await new Promise((resolve) => setTimeout(resolve, this.options.redisRetryMs ?? 500));
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
    if (this.stopping) await subscription.close();
    let lost = false;
    for await (const batch of subscription.batches()) {
      lost = !(await this.handle(subscription, batch));
      if (lost || this.stopping || this.lossNoticed) break;
    }
    await subscription.close();
    this.subscription = null;
    if (this.lossNoticed && !this.stopping) {
      lost = true;
      this.lossNoticed = false;
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
    const { store, redis, keys } = this.options;
    const inRedis = await redis.get(keys.checkpoint(this.name));
    const group = await store.getConsumerGroup(this.groupName);
    const inStore = group?.checkpoint ?? null;
    const redisBehind =
      inStore !== null && (inRedis === null || comparePositions(parsePosition(inRedis), inStore) < 0);
    if (redisBehind) {
      await store.resetConsumerGroup(this.groupName, inRedis ? parsePosition(inRedis) : null);
    }
    this.checkpoint = inRedis;
    this.maxRetryCount = group?.settings.maxRetryCount ?? this.maxRetryCount;
    await this.refreshBlockedStreams();
    const head = await store.headPosition();
    const headText = head ? formatPosition(head) : null;
    const behind = head !== null && (inRedis === null || comparePositions(parsePosition(inRedis), head) < 0);
    this.rebuildTarget = behind ? headText : null;
    this.currentStatus = !behind
      ? "live"
      : inRedis === null && inStore !== null
        ? "rebuilding"
        : "catching_up";
  }

  /** Reloads which streams wait behind a parked event (a replay or skip may have freed them). */
  private async refreshBlockedStreams(): Promise<void> {
    const parked = await this.options.store.listParked(this.groupName, { limit: 10_000 });
    const blocked = new Map<string, string>();
    for (const p of parked) if (!blocked.has(p.event.streamId)) blocked.set(p.event.streamId, p.event.id);
    this.blockedStreams = blocked;
  }

  /**
   * An idle runner learns of a Redis that lost its data (restart without persistence, FLUSHDB)
   * here rather than at its next batch: it lets go of the subscription and rebuilds.
   */
  private async noticeLostCheckpoint(): Promise<void> {
    if (this.checkpoint === null || this.stopping || this.lossNoticed) return;
    const stored = await this.options.redis.get(this.options.keys.checkpoint(this.name));
    if (stored !== null) return;
    this.lossNoticed = true;
    this.currentStatus = "rebuilding";
    await this.subscription?.close();
  }

  /** Returns false when Redis lost the checkpoint and the view must be rebuilt. */
  private async handle(
    subscription: PersistentSubscription,
    batch: readonly DeliveredEvent[],
  ): Promise<boolean> {
    await this.backOffForRetries(batch);
    const failures = new Map<string, string>();
    let units = batch.map((event) => this.project(event, failures));
    // Operators' skip marks are read only when something failed or marks are known to exist.
    const skipped =
      failures.size > 0 || this.skipsMarked > 0 ? await this.skippedIn(batch) : new Set<string>();
    if (skipped.size > 0) {
      units = batch.map((event, i) => (skipped.has(event.id) ? this.passOver(event) : units[i]!));
    }
    const outcome = await this.applyWithRetry(units);
    if (outcome.kind === "lost") {
      await this.options.store.resetConsumerGroup(this.groupName, null);
      this.checkpoint = null;
      return false;
    }
    const settled: DeliveredEvent[] = [];
    for (const [i, event] of batch.entries()) {
      const result = outcome.units[i];
      if (result === "applied" || result === "duplicate") {
        settled.push(event);
        if (result === "applied") this.eventsApplied++;
        continue;
      }
      await this.setAside(
        subscription,
        event,
        result === "gap" ? null : (failures.get(event.id) ?? "failed"),
      );
    }
    await subscription.ack(settled);
    if (skipped.size > 0) {
      await this.options.redis.srem(this.options.keys.skippedEvents(this.name), ...skipped);
      this.log.warn(
        { projector: this.name, eventIds: [...skipped] },
        "skipped parked events as an operator asked",
      );
    }
    if (outcome.checkpoint) this.advance(outcome.checkpoint);
    return true;
  }

  /** Events of this batch an operator marked to skip (read only while some are marked). */
  private async skippedIn(batch: readonly DeliveredEvent[]): Promise<Set<string>> {
    const marked = new Set(await this.options.redis.smembers(this.options.keys.skippedEvents(this.name)));
    return new Set(batch.filter((event) => marked.has(event.id)).map((event) => event.id));
  }

  /** A skipped event: its stream's guard advances so later events apply, nothing else is written. */
  private passOver(event: DeliveredEvent): ViewUnit {
    const guard = this.options.projector.guardFor(event);
    return { position: formatPosition(event.position), ok: true, guard, ops: [], notices: [] };
  }

  /**
   * An event that failed, or that arrived while an earlier event of its stream is missing, is
   * retried; on its last attempt it is parked, and its stream is blocked: later events of that
   * stream are parked behind it at once (never applied out of order, never burning retries), until
   * a replay of the parked events puts them through in order. Redis's checkpoint stays before a
   * retried event until it is parked, so a crash meanwhile redelivers it rather than losing it.
   */
  private async setAside(subscription: PersistentSubscription, event: DeliveredEvent, error: string | null) {
    const blockedBy = this.blockedStreams.get(event.streamId);
    if (error === null && blockedBy !== undefined && blockedBy !== event.id) {
      await subscription.nack(event, "park", `waiting behind parked event ${blockedBy} of the same stream`);
      return;
    }
    const reason = error ?? "an earlier event of this stream is not applied yet";
    if (event.retryCount + 1 >= this.maxRetryCount) {
      this.blockedStreams.set(event.streamId, event.id);
      this.log.error(
        {
          projector: this.name,
          eventId: event.id,
          streamId: event.streamId,
          revision: event.revision,
          reason,
        },
        "event parked after its last attempt; later events of its stream wait behind it",
      );
      await subscription.nack(event, "park", reason);
    } else {
      await subscription.nack(event, "retry", reason);
    }
  }

  /** Waits before a batch that carries retried events: exponential, capped, so a poison event does
   * not spin the projector. */
  private async backOffForRetries(batch: readonly DeliveredEvent[]): Promise<void> {
    const retries = Math.max(0, ...batch.map((event) => event.retryCount));
    if (retries === 0) return;
    const base = this.options.retryBackoffMs ?? 50;
    await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, base * 2 ** (retries - 1))));
  }

  private advance(checkpoint: string): void {
    this.checkpoint = checkpoint;
    if (
      this.rebuildTarget &&
      comparePositions(parsePosition(checkpoint), parsePosition(this.rebuildTarget)) >= 0
    ) {
      this.rebuildTarget = null;
      this.currentStatus = "live";
      this.log.info({ projector: this.name, checkpoint }, "projector caught up");
    }
  }

  private project(event: DeliveredEvent, failures: Map<string, string>): ViewUnit {
    const position = formatPosition(event.position);
    try {
      return { position, ok: true, ...this.options.projector.project(event) };
    } catch (error) {
      this.log.error(
        {
          projector: this.name,
          eventId: event.id,
          streamId: event.streamId,
          revision: event.revision,
          correlationId: event.metadata.correlationId,
          attempt: event.retryCount + 1,
          err: error,
        },
        "projector handler failed",
      );
      failures.set(event.id, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      return { position, ok: false, guard: null, ops: [], notices: [] };
    }
  }

  private async applyWithRetry(units: readonly ViewUnit[]) {
    const { redis, keys } = this.options;
    for (;;) {
      try {
        return await this.writer.apply(keys.checkpoint(this.name), this.checkpoint, units);
      } catch (error) {
        // Redis unreachable or failing: keep the batch, wait, try again; nothing is acked meanwhile.
        this.log.warn({ projector: this.name, err: error }, "could not write the batch to Redis; retrying");
        await new Promise((resolve) => setTimeout(resolve, this.options.redisRetryMs ?? 500));
        if (this.stopping && redis.status === "end") throw error;
      }
    }
  }
}
