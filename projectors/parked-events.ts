import type { Redis } from "ioredis";
import type { EventStore, ParkedEvent } from "../eventstore/port";
import { comparePositions } from "../eventstore/position";
import { partitionNames, type ReadModelKeys } from "../readmodels/keys";
import { projectorGroup, skipParkedEvent } from "./parking";

/**
 * An operator's hold on a projector's parked events, whether it runs whole or as `partitions`
 * partitions (each its own consumer group, parking its own streams' events): listed together,
 * the earliest parked first; replayed in that order, each from the partition that parked it; skipped where it
 * is parked. A deployment of partitions has no group under the projector's own name.
 */
export class ParkedEvents {
  constructor(
    private readonly store: EventStore,
    private readonly partitions: number,
  ) {}

  private groupsOf(projector: string): { name: string; group: string }[] {
    return partitionNames(projector, this.partitions).map((name) => ({ name, group: projectorGroup(name) }));
  }

  /** Up to `limit` parked events of the projector, the earliest parked first (as each group lists them). */
  async list(projector: string, limit: number): Promise<ParkedEvent[]> {
    const lists = await Promise.all(
      this.groupsOf(projector).map(({ group }) => this.store.listParked(group, { limit })),
    );
    return lists
      .flat()
      .sort(
        (a, b) =>
          a.parkedAt.getTime() - b.parkedAt.getTime() || comparePositions(a.event.position, b.event.position),
      )
      .slice(0, limit);
  }

  /** Puts the `limit` earliest parked events back in front of the partitions that parked them. */
  async replay(projector: string, limit: number): Promise<number> {
    const groups = this.groupsOf(projector);
    if (groups.length === 1) return this.store.replayParked(groups[0]!.group, { limit });
    const perGroup = new Map<string, number>();
    for (const parked of await this.list(projector, limit))
      perGroup.set(parked.group, (perGroup.get(parked.group) ?? 0) + 1);
    let replayed = 0;
    for (const [group, count] of perGroup) replayed += await this.store.replayParked(group, { limit: count });
    return replayed;
  }

  /**
   * Marks the parked event to skip in the partition that parked it and replays that partition's
   * parked events up to it; null when no partition of the projector has it parked.
   */
  async skip(redis: Redis, keys: ReadModelKeys, projector: string, eventId: string): Promise<number | null> {
    for (const { name } of this.groupsOf(projector)) {
      const replayed = await skipParkedEvent(this.store, redis, keys, name, eventId);
      if (replayed !== null) return replayed;
    }
    return null;
  }
}
