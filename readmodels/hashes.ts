import type { Redis } from "ioredis";

/** HGETALL of many keys in one round trip (pipelined), in the order given; an error reply throws. */
export async function readHashes(redis: Redis, keys: readonly string[]): Promise<Record<string, string>[]> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  return keys.map((_key, i) => {
    const [error, hash] = replies[i] ?? [null, {}];
    if (error) throw error;
    return (hash ?? {}) as Record<string, string>;
  });
}
