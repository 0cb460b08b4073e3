import { Redis } from "ioredis";

export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export async function deleteKeys(prefix: string, url = testRedisUrl): Promise<void> {
  const redis = new Redis(url);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
}

/** Every key under a prefix with its full content, for "the view equals a replay" comparisons. */
export async function dumpKeys(
  redis: Redis,
  prefix: string,
  exclude: RegExp[] = [],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = "0";
  const keys: string[] = [];
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  for (const key of keys.sort()) {
    if (exclude.some((pattern) => pattern.test(key))) continue;
    const type = await redis.type(key);
    if (type === "hash") out[key] = await redis.hgetall(key);
    else if (type === "zset") out[key] = await redis.zrange(key, 0, -1, "WITHSCORES");
    else if (type === "set") out[key] = (await redis.smembers(key)).sort();
    else if (type === "list") out[key] = await redis.lrange(key, 0, -1);
    else if (type === "string") out[key] = await redis.get(key);
    else if (type === "stream") out[key] = await redis.xrange(key, "-", "+");
  }
  return out;
}
