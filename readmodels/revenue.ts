import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";
import { readViewHistory, type ViewChange } from "./view-history";
import { readHashes } from "./hashes";

export const revenueHistoryLength = 100;

/** Revenue figures for one currency, in total or for one day. Amounts in minor units. */
export interface RevenueView {
  readonly currency: string;
  readonly day: string | null;
  readonly revenue: number;
  readonly orders: number;
  readonly refunds: number;
  readonly refundCount: number;
  readonly position: string | null;
}

export function revenueFromHash(currency: string, h: Record<string, string>): RevenueView {
  return {
    currency,
    day: h.day || null,
    revenue: Number(h.revenue ?? 0),
    orders: Number(h.orders ?? 0),
    refunds: Number(h.refunds ?? 0),
    refundCount: Number(h.refundCount ?? 0),
    position: h.position || null,
  };
}

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
    const days = await this.redis.zrevrangebyscore(
      this.keys.revenueDays(currency),
      Date.parse(`${to}T00:00:00.000Z`),
      Date.parse(`${from}T00:00:00.000Z`),
      "LIMIT",
      0,
      limit,
    );
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
    return readViewHistory(
      this.redis,
      this.keys.revenueHistory(currency),
      since,
      revenueHistoryLength,
      (hash) => revenueFromHash(currency, hash),
    );
  }
}
