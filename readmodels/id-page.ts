import type { Redis } from "ioredis";

/** A page of a sorted index, newest first, by offset. */
export interface IdPage {
  readonly ids: string[];
  readonly offset: number;
  readonly total: number;
}

/** Members of a sorted set, highest score first, from `offset`, at most `limit`, and how many in all. */
export async function newestFirst(redis: Redis, key: string, offset: number, limit: number): Promise<IdPage> {
  const [ids, total] = await Promise.all([
    redis.zrevrange(key, offset, offset + limit - 1),
    redis.zcard(key),
  ]);
  return { ids, offset, total };
}
