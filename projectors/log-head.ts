import type { EventLog, Position } from "../eventstore/port";

/**
 * The log's head for the freshness reports of every projector in a process: read at most once per
 * `maxAgeMs` however many projectors ask, so an idle process costs one small query per interval,
 * not one per view. A head a little old is still a true lower bound of what is visible.
 */
export class LogHead {
  private last: { at: number; head: Promise<Position | null> } | null = null;

  constructor(
    private readonly log: Pick<EventLog, "headPosition">,
    private readonly maxAgeMs = 500,
  ) {}

  get(): Promise<Position | null> {
    const now = Date.now();
    if (this.last && now - this.last.at < this.maxAgeMs) return this.last.head;
    const head = this.log.headPosition();
    const last = { at: now, head };
    this.last = last;
    // A failed read is not kept: the next caller asks again.
    head.catch(() => {
      if (this.last === last) this.last = null;
    });
    return head;
  }
}
