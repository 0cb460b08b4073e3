import { Redis } from "ioredis";
import { readModelKeys, type ReadModelKeys } from "../../readmodels/keys";
import { isCluster, scanAll, scanEach, unlinkKeys } from "../../readmodels/redis-nodes";
import { readModelLayout } from "../../readmodels/registry";
import { isSnapshotEntry, snapshotMark, snapshotOf } from "../../readmodels/view-history";
import { clusterClient, parseClusterNodes, type ClusterNode } from "../../server/redis";

export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Where a test's or a drill's read side is: one Redis (its URL) or a Redis Cluster (its nodes). */
export type RedisTarget = string | { readonly cluster: readonly ClusterNode[] };

/** The target of REDIS_CLUSTER_NODES-style text ("host:port,…"). */
export function clusterTarget(nodes: string): RedisTarget {
  const parsed = parseClusterNodes(nodes);
  if (typeof parsed === "string") throw new Error(parsed);
  return { cluster: parsed };
}

/** A connection to the target (a cluster client for a cluster). */
export function connectTarget(
  target: RedisTarget,
  options: { maxRetriesPerRequest?: number | null } = {},
): Redis {
  return typeof target === "string" ? new Redis(target, options) : clusterClient(target.cluster, options);
}

/** The environment that points a service process at the target. */
export function targetEnv(target: RedisTarget): Record<string, string> {
  return typeof target === "string"
    ? { REDIS_URL: target, REDIS_CLUSTER_NODES: "" }
    : { REDIS_URL: "", REDIS_CLUSTER_NODES: target.cluster.map((n) => `${n.host}:${n.port}`).join(",") };
}

/**
 * The key names a service on this connection uses under `prefix` (the cluster layout on a cluster,
 * with the spread views over `partitions` hash tags when its projectors run as partitions).
 */
export function keysOn(redis: Redis, prefix: string, partitions = 1): ReadModelKeys {
  return readModelKeys(prefix, prefix, readModelLayout(isCluster(redis), partitions));
}

export async function deleteKeys(prefix: string, target: RedisTarget = testRedisUrl): Promise<void> {
  const redis = connectTarget(target);
  try {
    await scanEach(redis, `${prefix}*`, 1000, async (keys) => void (await unlinkKeys(redis, keys)));
  } finally {
    await redis.quit();
  }
}

/** Every key under a prefix with its full content, for "the view equals a replay" comparisons. */
export async function dumpKeys(
  redis: Redis,
  prefix: string,
  exclude: RegExp[] = [],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const keys = await scanAll(redis, `${prefix}*`);
  for (const key of keys.sort()) {
    if (exclude.some((pattern) => pattern.test(key))) continue;
    const type = await redis.type(key);
    if (type === "hash") out[key] = await redis.hgetall(key);
    else if (type === "zset") out[key] = await redis.zrange(key, 0, -1, "WITHSCORES");
    else if (type === "set") out[key] = (await redis.smembers(key)).sort();
    else if (type === "list") out[key] = await redis.lrange(key, 0, -1);
    else if (type === "string") out[key] = await redis.get(key);
    else if (type === "stream") out[key] = (await redis.xrange(key, "-", "+")).map(comparableEntry);
  }
  return out;
}

/**
 * A stream entry as compared: a view snapshot as its fields sorted by name, whichever form it was
 * written in (the hash's fields, in the order the hash kept them, which is the order of writes for
 * a small hash and arbitrary for a large one; or, before, one field "view" holding sorted JSON);
 * every other entry as written.
 */
function comparableEntry([id, fields]: [string, string[]]): [string, string[]] {
  if (!isSnapshotEntry(fields)) return [id, fields];
  const pairs = Object.entries(snapshotOf(fields)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [id, [snapshotMark, "", ...pairs.flat()]];
}
