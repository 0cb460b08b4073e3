import type { Position } from "../port";
import { comparePositions } from "../position";

/** Longest a batch waits for events still being prepared before it is handed out without them. */
const MAX_ASSEMBLY_MS = 1_000;

export interface Buffered {
  readonly id: string;
  readonly position: Position;
}

/**
 * Turns the server's push into the port's batches. KurrentDB sends events one by one, up to the
 * connection's buffer size in flight; the port hands out batches of at most batchSize and the
 * consumer settles a batch before it gets the next. So pushed events wait here, and a batch is
 * what has arrived when the consumer asks, once arrivals pause for a moment (`lingerMs`) or the
 * batch is full.
 *
 * A batch is in log order. The server pushes retries and replayed parked events ahead of new ones
 * (they are older), and the order of arrival across those kinds is not the log's, so each batch
 * is sorted by position. An event pushed again (a retry after a timeout) replaces its waiting copy.
 *
 * Some events take a moment to prepare after they arrive (a replayed parked event's position is
 * read from its stream): a batch being put together waits for those, up to `MAX_ASSEMBLY_MS`.
 */
export class DeliveryBuffer<T extends Buffered> {
  private items: T[] = [];
  private arrivals = 0;
  private preparing = 0;
  private stopped = false;
  private wake: (() => void) | null = null;

  get size(): number {
    return this.items.length;
  }

  /** An event has arrived and is being prepared; call the returned function when it is pushed or dropped. */
  arriving(): () => void {
    this.preparing++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.preparing--;
      this.notify();
    };
  }

  push(item: T): void {
    if (this.stopped) return;
    const id = item.id.toLowerCase();
    this.items = this.items.filter((waiting) => waiting.id.toLowerCase() !== id);
    this.items.push(item);
    this.arrivals++;
    this.notify();
  }

  /** Drops waiting copies of events settled meanwhile (an ack by id settles every copy). */
  discard(ids: Iterable<string>): void {
    const gone = new Set([...ids].map((id) => id.toLowerCase()));
    this.items = this.items.filter((item) => !gone.has(item.id.toLowerCase()));
  }

  /** Forgets everything waiting (the connection dropped: the server will push it again). */
  clear(): void {
    this.items = [];
    this.notify();
  }

  /** Ends every wait; nothing is taken in any more. */
  stop(): void {
    this.stopped = true;
    this.items = [];
    this.notify();
  }

  /** Interrupts a wait in `next` (it returns null unless events are waiting). */
  interrupt(): void {
    this.notify();
  }

  /**
   * The next batch: waits for a first event, then for more until `max` or a pause of `lingerMs`.
   * Null when stopped or interrupted before any event came.
   */
  async next(max: number, lingerMs: number): Promise<T[] | null> {
    if (this.items.length === 0) {
      if (this.stopped) return null;
      await this.arrival(Number.POSITIVE_INFINITY);
      if (this.items.length === 0) return null;
    }
    const deadline = Date.now() + MAX_ASSEMBLY_MS;
    while (this.items.length < max && !this.stopped && Date.now() < deadline) {
      const before = this.arrivals;
      await this.arrival(this.preparing > 0 ? deadline - Date.now() : lingerMs);
      if (this.arrivals === before && this.preparing === 0) break;
    }
    const batch = this.items.splice(0, max);
    if (batch.length === 0) return null;
    return batch.sort((a, b) => comparePositions(a.position, b.position));
  }

  private arrival(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => this.notify(), timeoutMs) : null;
      this.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
