import type { EventFilter, EventLog } from "../eventstore/port";
import { parsePosition } from "../eventstore/position";
import type { SilentProjectorLag } from "../readmodels/projector-state";

/**
 * Counts, from the log, what a projector that stopped reporting has fallen behind since its last
 * report (see SilentProjectorLag). A gateway's `/ready`, metrics and views' `meta` read states
 * often; one count per projector and head is reused for `everyMs`, so a silent projector costs
 * this process at most one count per interval, over the events appended since it went silent.
 */
export class LogCountedLag implements SilentProjectorLag {
  private readonly counted = new Map<string, { at: number; events: Promise<number> }>();

  constructor(
    private readonly log: Pick<EventLog, "countAfter">,
    /** Each projector's filter: the events it takes. */
    private readonly filters: ReadonlyMap<string, EventFilter | undefined>,
    private readonly everyMs = 1_000,
    private readonly clock: () => number = Date.now,
  ) {}

  eventsSince(projector: string, head: string | null): Promise<number> {
    const key = `${projector}@${head ?? ""}`;
    const now = this.clock();
    const last = this.counted.get(key);
    if (last && now - last.at < this.everyMs) return last.events;
    // Counts past their interval go (a projector that reports again leaves its last one behind).
    for (const [other, count] of this.counted) if (now - count.at >= this.everyMs) this.counted.delete(other);
    const events = this.log
      .countAfter(head ? parsePosition(head) : null, this.filters.get(projector))
      // The store unreachable: the last report's number stands (the store's own check says why).
      .catch(() => 0);
    this.counted.set(key, { at: now, events });
    return events;
  }
}
