import type { Redis } from "ioredis";
import { beforeEveryEvent } from "../../eventstore/position";
import { readHashes } from "../hashes";
import type { ReadModelKeys } from "../keys";
import { defineView, type LiveSource } from "../view";
import { readViewHistory, type ViewChange } from "../view-history";
import { revenueFromHash, revenueHistoryLength, revenueName, type RevenueView } from "./layout";
import { revenueProjector } from "./projection";

export { revenueFromHash, revenueHistoryLength, revenueLayout, type RevenueView } from "./layout";
export { revenueProjector } from "./projection";

export class RevenueReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  async total(currency: string): Promise<RevenueView> {
    return revenueFromHash(currency, await this.redis.hgetall(this.keys.revenueTotal(currency)));
  }

  /** Days with activity between two UTC dates (inclusive), newest first, in one round trip. */
  async days(currency: string, from: string, to: string, limit: number): Promise<RevenueView[]> {
    const toScore = Date.parse(`${to}T00:00:00.000Z`);
    const fromScore = Date.parse(`${from}T00:00:00.000Z`);
    const key = this.keys.revenueDays(currency);
    const days = await this.redis.zrevrangebyscore(key, toScore, fromScore, "LIMIT", 0, limit);
    const hashes = await readHashes(
      this.redis,
      days.map((day) => this.keys.revenueDay(currency, day)),
    );
    return days.map((day, i) => ({ ...revenueFromHash(currency, hashes[i]!), day }));
  }

  changesSince(
    currency: string,
    since: string,
  ): Promise<{ changes: ViewChange<RevenueView>[]; complete: boolean }> {
    const key = this.keys.revenueHistory(currency);
    return readViewHistory(this.redis, key, since, revenueHistoryLength, (hash) =>
      revenueFromHash(currency, hash),
    );
  }

  /**
   * A currency's totals, live. A currency with no revenue yet is still a view (zeros, as the query
   * answers it), sent first like any other: at the position before every event, so a client that
   * resumes from there is given every change after.
   */
  live(currency: string): LiveSource<RevenueView> {
    return {
      channel: this.keys.revenueChanges(currency),
      current: async () => {
        const view = await this.total(currency);
        return { position: view.position ?? beforeEveryEvent, view };
      },
      changesSince: (position) => this.changesSince(currency, position),
    };
  }
}

/** Revenue: per currency, in total and per day: revenue, paid orders, refunds; live. */
export const revenueView = defineView({
  name: revenueName,
  projector: revenueProjector,
  reader: (redis, keys) => new RevenueReader(redis, keys),
});
