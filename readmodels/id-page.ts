import type { Redis } from "ioredis";
import { mergeByScore } from "./sorted-sets";

/** A page of a sorted index, newest first, by offset. */
export interface IdPage {
  readonly ids: string[];
  readonly offset: number;
  readonly total: number;
}

/**
 * Members of a sorted set, highest score first, from `offset`, at most `limit`, and how many in all.
 * Given the parts of one index (a spread view keeps one per partition, each for its own streams),
 * the first `offset + limit` of each, merged in the order one sorted set would give.
 */
export async function newestFirst(
  redis: Redis,
  parts: string | readonly string[],
  offset: number,
  limit: number,
): Promise<IdPage> {
  const keys = typeof parts === "string" ? [parts] : parts;
  if (keys.length === 1) {
    const [ids, total] = await Promise.all([
      redis.zrevrange(keys[0]!, offset, offset + limit - 1),
      redis.zcard(keys[0]!),
    ]);
    return { ids, offset, total };
  }
  const [replies, totals] = await Promise.all([
    Promise.all(keys.map((key) => redis.zrange(key, 0, offset + limit - 1, "REV", "WITHSCORES"))),
    Promise.all(keys.map((key) => redis.zcard(key))),
  ]);
  const ids = mergeByScore(replies)
    .reverse()
    .slice(offset, offset + limit);
  return { ids, offset, total: totals.reduce((sum, n) => sum + n, 0) };
}
