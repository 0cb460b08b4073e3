import type { Redis } from "ioredis";
import { beforeEveryEvent, comparePositions, parsePosition } from "../../eventstore/position";
import { readHashes } from "../hashes";
import type { ReadModelKeys } from "../keys";
import { defineView, type LiveSource } from "../view";
import { readSummedHistories, readViewHistory, type ViewChange } from "../view-history";
import { revenueFromHash, revenueHistoryLength, revenueName, type RevenueView } from "./layout";
import { revenueProjector } from "./projection";

export { revenueFromHash, revenueHistoryLength, revenueLayout, type RevenueView } from "./layout";
export { revenueProjector } from "./projection";

/** The later of two positions (null: none yet). */
function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return comparePositions(parsePosition(a), parsePosition(b)) >= 0 ? a : b;
}

/**
 * One currency's figures (in total, or of one day) from the parts a spread view keeps them in,
 * each partition's the sum of its own streams' events: their sum, at the latest part's position.
 */
export function sumRevenue(parts: readonly RevenueView[]): RevenueView {
  const [first, ...rest] = parts;
  return rest.reduce(
    (sum, part) => ({
      ...sum,
      revenue: sum.revenue + part.revenue,
      orders: sum.orders + part.orders,
      refunds: sum.refunds + part.refunds,
      refundCount: sum.refundCount + part.refundCount,
      tax: sum.tax + part.tax,
      position: later(sum.position, part.position),
    }),
    first!,
  );
}

export class RevenueReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  /** A currency's totals; on a spread view, the sum of every partition's. */
  async total(currency: string): Promise<RevenueView> {
    const keys = this.keys.inEveryPartition((at) => this.keys.revenueTotal(currency, at));
    const hashes = await readHashes(this.redis, keys);
    return sumRevenue(hashes.map((hash) => revenueFromHash(currency, hash)));
  }

  /**
   * Days with activity between two UTC dates (inclusive), newest first. On a spread view each
   * partition's newest `limit` days are merged, and each day is the sum of its partitions' figures.
   */
  async days(currency: string, from: string, to: string, limit: number): Promise<RevenueView[]> {
    const toScore = Date.parse(`${to}T00:00:00.000Z`);
    const fromScore = Date.parse(`${from}T00:00:00.000Z`);
    const parts = this.keys.inEveryPartition((at) => at);
    const found = await Promise.all(
      parts.map((at) =>
        this.redis.zrevrangebyscore(
          this.keys.revenueDays(currency, at),
          toScore,
          fromScore,
          "LIMIT",
          0,
          limit,
        ),
      ),
    );
    // Days are "YYYY-MM-DD": newest first is the reverse order of their text.
    const days = [...new Set(found.flat())].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, limit);
    const hashes = await readHashes(
      this.redis,
      days.flatMap((day) => parts.map((at) => this.keys.revenueDay(currency, day, at))),
    );
    return days.map((day, i) => {
      const ofDay = hashes.slice(i * parts.length, (i + 1) * parts.length);
      return { ...sumRevenue(ofDay.map((hash) => revenueFromHash(currency, hash))), day };
    });
  }

  changesSince(
    currency: string,
    since: string,
  ): Promise<{ changes: ViewChange<RevenueView>[]; complete: boolean }> {
    const keys = this.keys.inEveryPartition((at) => this.keys.revenueHistory(currency, at));
    const parse = (hash: Record<string, string>) => revenueFromHash(currency, hash);
    if (keys.length === 1) return readViewHistory(this.redis, keys[0]!, since, revenueHistoryLength, parse);
    // Each partition's history holds its partial totals: the total after a change is the sum of
    // every partition's partial as it stood at that change.
    return readSummedHistories(
      this.redis,
      keys,
      since,
      revenueHistoryLength,
      parse,
      (parts, position) => ({ ...sumRevenue(parts), position }),
      revenueFromHash(currency, {}),
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
  spreads: true,
  projector: revenueProjector,
  reader: (redis, keys) => new RevenueReader(redis, keys),
});
