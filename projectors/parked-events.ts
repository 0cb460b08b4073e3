import type { Redis } from "ioredis";
import { ConsumerGroupNotFound, type EventStore, type ParkedEvent } from "../eventstore/port";
import { comparePositions } from "../eventstore/position";
import { partitionNames, type ReadModelKeys } from "../readmodels/keys";
import { projectorGroup, skipParkedEvent } from "./parking";

/**
 * An operator's hold on a projector's parked events, whether it runs whole or as `partitions`
 * partitions (each its own consumer group, parking its own streams' events): listed together,
 * the earliest parked first; replayed by each partition that parked them; skipped where it is
 * parked. A deployment of partitions has no group under the projector's own name.
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
    const lists = await this.eachGroup(projector, (group) => this.store.listParked(group, { limit }));
    return lists
      .flat()
      .sort(
        (a, b) =>
          a.parkedAt.getTime() - b.parkedAt.getTime() || comparePositions(a.event.position, b.event.position),
      )
      .slice(0, limit);
  }

  /**
   * Puts up to `limit` parked events back in front of each partition that parked them (each group
   * replays its own earliest; a list also shows events already being replayed, so it cannot say
   * which `limit` of all partitions' are still parked). Returns how many in all.
   */
  async replay(projector: string, limit: number): Promise<number> {
    const counts = await this.eachGroup(projector, (group) => this.store.replayParked(group, { limit }));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /**
   * `work` on each partition's group. A partition whose group does not exist (not started yet, or
   * more partitions configured than run) has nothing parked; only when none exists is it an error.
   */
  private async eachGroup<T>(projector: string, work: (group: string) => Promise<T>): Promise<T[]> {
    const groups = this.groupsOf(projector);
    const outcomes = await Promise.allSettled(groups.map(({ group }) => work(group)));
    const found = outcomes
      .filter((outcome) => outcome.status === "fulfilled")
      .map((outcome) => outcome.value);
    const failed = outcomes.find(
      (outcome): outcome is PromiseRejectedResult =>
        outcome.status === "rejected" && !(outcome.reason instanceof ConsumerGroupNotFound),
    );
    if (failed) throw failed.reason;
    if (found.length === 0) {
      throw (outcomes[0] as PromiseRejectedResult).reason;
    }
    return found;
  }

  /**
   * Marks the parked event to skip in the partition that parked it and replays that partition's
   * parked events up to it; null when no partition of the projector has it parked.
   */
  async skip(redis: Redis, keys: ReadModelKeys, projector: string, eventId: string): Promise<number | null> {
    const groups = this.groupsOf(projector);
    const missing: unknown[] = [];
    for (const { name } of groups) {
      try {
        const replayed = await skipParkedEvent(this.store, redis, keys, name, eventId);
        if (replayed !== null) return replayed;
      } catch (error) {
        if (!(error instanceof ConsumerGroupNotFound)) throw error;
        missing.push(error);
      }
    }
    // Not parked anywhere; an error only when no partition's group exists at all.
    if (missing.length === groups.length) throw missing[0];
    return null;
  }
}
