import type { DeliveredEvent, NackAction, Position } from "../port";

/** What settling an event writes to `parked_events` when its batch completes. */
export type HeldState = "retrying" | "parked";

export interface HeldEvent {
  readonly event: DeliveredEvent;
  readonly state: HeldState;
  readonly reason: string;
  /** Deliveries so far; a 'retrying' event is next delivered with this as its retryCount. */
  readonly attempts: number;
}

/**
 * A delivered batch until every event is settled. Outcomes are only collected here and written
 * together with the checkpoint when the batch completes, so a consumer that dies mid-batch leaves
 * no half-settled state: the whole batch is simply delivered again.
 */
export class BatchInHand {
  private readonly unsettled = new Map<bigint, DeliveredEvent>();
  private readonly held: HeldEvent[] = [];
  private readonly released: bigint[] = [];
  private resolveSettled!: () => void;
  private finished = false;
  /** Resolves when the batch is settled and stored, or abandoned. */
  readonly done = new Promise<void>((resolve) => (this.resolveSettled = resolve));
  /** The write that stores the outcome; started once, by the settlement of the last event. */
  completion: Promise<void> | null = null;
  /** True when the fetch found fewer visible log events than a batch and nothing held back. */
  drainedLog = false;
  private expiresAt = Infinity;
  /** True once its outcome and checkpoint are written, by the consumer that still holds the group. */
  stored = false;

  constructor(
    readonly events: readonly DeliveredEvent[],
    /** Events with a `parked_events` row (retries, replays): the row goes once they are settled. */
    private readonly redelivered: ReadonlySet<bigint>,
    /** Position of the last log event this batch covers: the checkpoint once it completes. */
    readonly checkpoint: Position | null,
    private readonly messageTimeoutMs: number,
  ) {
    for (const event of events) this.unsettled.set(event.position.prepare, event);
  }

  /**
   * Starts the message timeout, when the batch is handed to the consumer (a batch read ahead
   * waits for the one before it; that wait is not the consumer's time).
   */
  deliver(): void {
    this.expiresAt = Date.now() + this.messageTimeoutMs;
  }

  /** When unsettled events are given up (retried or parked): the message timeout after delivery. */
  get deadline(): number {
    return this.expiresAt;
  }

  /** How many of its events were redeliveries (retries, replays of parked events). */
  get redeliveredCount(): number {
    return this.redelivered.size;
  }

  get isSettled(): boolean {
    return this.unsettled.size === 0;
  }

  /** Settled and stored, or given up. */
  get isFinished(): boolean {
    return this.finished;
  }

  get outcome(): { held: readonly HeldEvent[]; released: readonly bigint[] } {
    return { held: this.held, released: this.released };
  }

  /** Settles one event; events not (or no longer) awaiting settlement here are ignored. */
  settle(event: DeliveredEvent, action: NackAction | "ack", reason: string, maxRetryCount: number): void {
    const key = event.position.prepare;
    const delivered = this.unsettled.get(key);
    if (!delivered) return;
    this.unsettled.delete(key);
    const attempts = delivered.retryCount + 1;
    if (action === "park" || (action === "retry" && attempts > maxRetryCount)) {
      this.held.push({ event: delivered, state: "parked", reason, attempts });
    } else if (action === "retry") {
      this.held.push({ event: delivered, state: "retrying", reason, attempts });
    } else if (this.redelivered.has(key)) {
      this.released.push(key);
    }
  }

  /** Settles everything still open as a retry (the consumer let the message timeout pass). */
  expire(maxRetryCount: number): void {
    for (const event of [...this.unsettled.values()]) {
      this.settle(event, "retry", "not settled within messageTimeoutMs", maxRetryCount);
    }
  }

  /** Ends the batch: after a completion, or to give up what is still unsettled. */
  finish(): void {
    this.finished = true;
    this.unsettled.clear();
    this.resolveSettled();
  }
}
