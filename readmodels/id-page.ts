import type { Redis } from "ioredis";
import { mergeByScore } from "./sorted-sets";

/** A page of a sorted index, newest first, by offset. */
export interface IdPage {
  readonly ids: string[];
  readonly offset: number;
  readonly total: number;
}

/**
 * Members of a sorted set, highest score first, from `offset`, at most `limit`. Given the parts of
 * one index (a spread view keeps one per partition, each for its own streams), the first
 * `offset + limit` of each, merged in the order one sorted set would give.
 */
export async function newestIds(
  redis: Redis,
  keys: readonly string[],
  offset: number,
  limit: number,
): Promise<string[]> {
  if (keys.length === 1) return redis.zrevrange(keys[0]!, offset, offset + limit - 1);
  const replies = await Promise.all(
    keys.map((key) => redis.zrange(key, 0, offset + limit - 1, "REV", "WITHSCORES")),
  );
  return mergeByScore(replies)
    .reverse()
    .slice(offset, offset + limit);
}

/** `newestIds` of a sorted set (or of its parts), and how many members it holds in all. */
export async function newestFirst(
  redis: Redis,
  parts: string | readonly string[],
  offset: number,
  limit: number,
): Promise<IdPage> {
  const keys = typeof parts === "string" ? [parts] : parts;
  const [ids, totals] = await Promise.all([
    newestIds(redis, keys, offset, limit),
    Promise.all(keys.map((key) => redis.zcard(key))),
  ]);
  return { ids, offset, total: totals.reduce((sum, n) => sum + n, 0) };
}
