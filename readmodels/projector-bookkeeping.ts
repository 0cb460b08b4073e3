import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";

/**
 * A projector's own records in Redis besides its views: the checkpoint it resumes from (written
 * only by the apply script, together with the views) and the parked events an operator marked to
 * skip. The projector runtime reaches Redis through here and `ReadModelWriter`, nowhere else.
 */
export class ProjectorBookkeeping {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
    private readonly projector: string,
  ) {}

  /** The key the apply script keeps the checkpoint under. */
  get checkpointKey(): string {
    return this.keys.checkpoint(this.projector);
  }

  /** Position of the last settled event, or null (never projected, or Redis lost it). */
  checkpoint(): Promise<string | null> {
    return this.redis.get(this.checkpointKey);
  }

  /** How many parked events an operator marked to skip. */
  skipMarkCount(): Promise<number> {
    return this.redis.scard(this.keys.skippedEvents(this.projector));
  }

  async skipMarks(): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.keys.skippedEvents(this.projector)));
  }

  async markToSkip(eventId: string): Promise<void> {
    await this.redis.sadd(this.keys.skippedEvents(this.projector), eventId);
  }

  async clearSkipMarks(eventIds: Iterable<string>): Promise<void> {
    const ids = [...eventIds];
    if (ids.length > 0) await this.redis.srem(this.keys.skippedEvents(this.projector), ...ids);
  }
}
