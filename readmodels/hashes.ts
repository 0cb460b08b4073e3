import type { Redis } from "ioredis";
import { isCluster } from "./redis-nodes";

/** HGETALL of many keys in one round trip (pipelined), in the order given; an error reply throws. */
export async function readHashes(redis: Redis, keys: readonly string[]): Promise<Record<string, string>[]> {
  if (keys.length === 0) return [];
  // A cluster pipeline must stay on one node; sent together, the commands still share round trips.
  if (isCluster(redis)) return Promise.all(keys.map((key) => redis.hgetall(key)));
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  return keys.map((_key, i) => {
    const [error, hash] = replies[i] ?? [null, {}];
    if (error) throw error;
    return (hash ?? {}) as Record<string, string>;
  });
}
