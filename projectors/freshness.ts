import type { EventStore, Position } from "../eventstore/port";
import { comparePositions, formatPosition, parsePosition } from "../eventstore/position";
import type { FreshnessStatus, ProjectorStateStore } from "../readmodels/projector-state";
import type { Log } from "./log";
import { LogHead } from "./log-head";
import type { Projector } from "./projector";

export type ProjectorStatus = FreshnessStatus | "starting";

/** What the runner knows of its progress; the reporter reads it and may move the status on. */
export interface Progress {
  status: ProjectorStatus;
  /** Last settled position ("commit:prepare"). */
  checkpoint: string | null;
  eventsApplied: number;
  /** Set while the runner lets go of its subscription to rebuild after Redis lost its data. */
  lossNoticed: boolean;
}

export function startingProgress(): Progress {
  return { status: "starting", checkpoint: null, eventsApplied: 0, lossNoticed: false };
}

export interface FreshnessOptions {
  readonly store: EventStore;
  readonly states: ProjectorStateStore;
  readonly projector: Projector;
  readonly groupName: string;
  readonly consumerName: string;
  readonly log: Log;
  /** Behind the head with a checkpoint that has not moved for this long: stalled. */
  readonly stallAfterMs: number;
  /**
   * How long a report stays true: readers take a runner silent for longer as dead (stalled). Kept
   * within the consumer group's lease, so a killed runner stops looking live by the time another
   * may take its place.
   */
  readonly trustForMs: number;
  /** Called with each report's parked count (the parking policy refreshes what changed). */
  readonly onParkedCount: (parked: number) => Promise<void>;
  /** Called before each report, to notice a checkpoint Redis lost while the runner was idle. */
  readonly beforeReport: () => Promise<void>;
  /** The generation of its view the runner writes. */
  readonly generation?: number;
  /** The log's head, shared by the process's projectors (default: read by this reporter). */
  readonly head?: LogHead;
}

/**
 * Measures how far behind a projector is and writes it to Redis, where the gateway reads it for
 * every view's `meta` (freshness is data a client can see, not a log line). The lag counts the
 * events after the checkpoint that the projector takes, however the runner is doing: a runner
 * stuck on a batch still reports the backlog growing behind it.
 */
export class FreshnessReporter {
  private last = { at: Date.now(), applied: 0, checkpoint: null as string | null, movedAt: Date.now() };
  /** A head up to which the log holds none of this projector's events after its checkpoint (see `report`). */
  private nothingUpTo: Position | null = null;
  private readonly head: LogHead;

  constructor(
    private readonly options: FreshnessOptions,
    private readonly progress: Progress,
  ) {
    this.head = options.head ?? new LogHead(options.store);
  }

  async report(): Promise<void> {
    const { store, projector, consumerName, states, log } = this.options;
    const progress = this.progress;
    try {
      await this.options.beforeReport();
      const now = Date.now();
      const checkpoint = progress.checkpoint;
      // Read before counting: every event up to this head is visible to the count below.
      const head = await this.head.get();
      // Counting starts after the checkpoint, or after a head up to which an earlier count found
      // none of this projector's events, whichever is later: the log is immutable and gap-free,
      // so nothing can appear before it. An idle view, or one whose events are rare, so never
      // rescans the log; and one at or past the head has nothing to count at all.
      const fromCheckpoint = checkpoint ? parsePosition(checkpoint) : null;
      // A checkpoint that went back (Redis lost the view: it is rebuilt from the start) voids what
      // was counted from the old one.
      if (
        this.last.checkpoint &&
        (!fromCheckpoint || comparePositions(fromCheckpoint, parsePosition(this.last.checkpoint)) < 0)
      ) {
        this.nothingUpTo = null;
      }
      const after = later(fromCheckpoint, this.nothingUpTo);
      const caughtUp = head === null || (after !== null && comparePositions(after, head) >= 0);
      const [lagEvents, next, group] = await Promise.all([
        caughtUp ? 0 : store.countAfter(after, projector.filter),
        caughtUp ? [] : store.readAll({ ...(after && { after }), maxCount: 1, filter: projector.filter }),
        store.getConsumerGroup(this.options.groupName),
      ]);
      if (lagEvents === 0 && head) this.nothingUpTo = later(this.nothingUpTo, head);
      if (checkpoint !== this.last.checkpoint) this.last.movedAt = now;
      const elapsed = Math.max(1, now - this.last.at) / 1000;
      const eventsPerSecond = Math.round((progress.eventsApplied - this.last.applied) / elapsed);
      this.last = { ...this.last, at: now, applied: progress.eventsApplied, checkpoint };
      const lagMs = next[0] ? Math.max(0, now - next[0].recordedAt.getTime()) : 0;
      await this.options.onParkedCount(group?.parkedCount ?? 0);
      progress.status = this.statusNow(lagEvents, now);
      await states.report({
        projector: projector.name,
        status: progress.status === "starting" ? "catching_up" : progress.status,
        checkpoint,
        head: head ? formatPosition(head) : null,
        lagEvents,
        lagMs,
        eventsPerSecond,
        parked: group?.parkedCount ?? 0,
        consumer: consumerName,
        reportedAt: new Date(now).toISOString(),
        trustForMs: this.options.trustForMs,
        generation: this.options.generation ?? 0,
      });
    } catch (error) {
      log.warn({ projector: projector.name, err: error }, "could not report projector state");
    }
  }

  private statusNow(lagEvents: number, now: number): ProjectorStatus {
    const { status, lossNoticed } = this.progress;
    if (status === "stopped") return status;
    // A rebuild is over when nothing is left to apply, even if none of the log was this view's.
    if (status === "rebuilding") return lagEvents === 0 && !lossNoticed ? "live" : status;
    if (lagEvents === 0) return "live";
    const stalled = now - this.last.movedAt > this.options.stallAfterMs;
    return stalled ? "stalled" : "catching_up";
  }
}

function later(a: Position | null, b: Position | null): Position | null {
  if (a === null) return b;
  if (b === null) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}
