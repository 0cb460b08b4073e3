import type { Redis } from "ioredis";
import type { Position } from "../../eventstore/port";
import { comparePositions, parsePosition } from "../../eventstore/position";
import { nowMs } from "./clock";

/**
 * Listens to the account change notices a projector publishes (per account and batch, in the same
 * Lua call as the write), so the time an event reached the read model is known without polling.
 * A notice names the position of the account's last applied event.
 */
export class NoticeClock {
  private readonly seen = new Map<string, { position: Position; at: number }[]>();

  private constructor(private readonly subscriber: Redis) {}

  static async start(subscriber: Redis, prefix: string): Promise<NoticeClock> {
    const clock = new NoticeClock(subscriber);
    const channelPrefix = `${prefix}changes:account:`;
    subscriber.on("pmessage", (_pattern: string, channel: string, message: string) => {
      const at = nowMs();
      const accountId = channel.slice(channelPrefix.length);
      const text = message.startsWith("{") ? (JSON.parse(message) as { position: string }).position : message;
      let list = clock.seen.get(accountId);
      if (!list) clock.seen.set(accountId, (list = []));
      list.push({ position: parsePosition(text), at });
    });
    await subscriber.psubscribe(`${channelPrefix}*`);
    return clock;
  }

  /** When the read model first reflected `position` (or later) for the account; null if not yet. */
  appliedAt(accountId: string, position: Position): number | null {
    return (
      this.seen.get(accountId)?.find((notice) => comparePositions(notice.position, position) >= 0)?.at ?? null
    );
  }

  forget(): void {
    this.seen.clear();
  }

  async stop(): Promise<void> {
    await this.subscriber.punsubscribe();
  }
}
