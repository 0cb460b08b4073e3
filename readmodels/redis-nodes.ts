import { Cluster, type Redis } from "ioredis";

/**
 * The read side is written against ioredis's command API, which a Redis Cluster client speaks as
 * well (ioredis routes each command to the node that owns its key's slot and follows MOVED / ASK
 * while slots move). What differs is gathered here: commands that are not about one key (SCAN,
 * CONFIG) go to every master, and commands about several keys must stay within one slot, which the
 * cluster key layout (`readModelKeys(…, { cluster: true })`) guarantees for every write.
 */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown) instanceof Cluster;
}

/**
 * Each node holding data: the one server, or every master of a cluster (once the client has
 * learned the slot map: a new cluster client knows no node until it is ready).
 */
export async function dataNodes(redis: Redis): Promise<Redis[]> {
  if (!isCluster(redis)) return [redis];
  const cluster = redis as unknown as Cluster;
  // A command waits for the slot map (its reply is not needed).
  if (cluster.status !== "ready") await cluster.ping();
  return cluster.nodes("master");
}

/**
 * SCANs `pattern` on every data node, a page (about `count` keys) at a time; `onPage` gets each
 * page's keys (possibly none) and may return false to stop there. A cluster's masters each hold
 * their own part of the keyspace, so a SCAN sent to one node would see only its part.
 */
export async function scanEach(
  redis: Redis,
  pattern: string,
  count: number,
  onPage: (keys: string[]) => Promise<void | boolean> | void | boolean,
): Promise<void> {
  for (const node of await dataNodes(redis)) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", pattern, "COUNT", count);
      cursor = next;
      if ((await onPage(found)) === false) return;
    } while (cursor !== "0");
  }
}

/** Whether any key matches `pattern` (stops at the first page that has one). */
export async function anyKeyMatches(redis: Redis, pattern: string): Promise<boolean> {
  let found = false;
  await scanEach(redis, pattern, 1000, (keys) => {
    found = keys.length > 0;
    return !found;
  });
  return found;
}

/** Commands sent and not answered yet (over every node connection of a cluster). */
export function commandsInFlight(redis: Redis): number {
  if (!isCluster(redis)) return redis.commandQueue.length;
  return (redis as unknown as Cluster).nodes().reduce((sum, node) => sum + node.commandQueue.length, 0);
}

/** Every key that matches `pattern` (on every data node). */
export async function scanAll(redis: Redis, pattern: string, count = 1000): Promise<string[]> {
  const keys: string[] = [];
  await scanEach(redis, pattern, count, (found) => void keys.push(...found));
  return keys;
}

/**
 * UNLINKs the keys (frees their memory off Redis's main thread); returns how many existed. A
 * cluster refuses one UNLINK of keys in several slots, so there each key goes on its own (the
 * commands are written together, not one round trip each).
 */
export async function unlinkKeys(redis: Redis, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(redis)) return redis.unlink(...keys);
  const counts = await Promise.all(keys.map((key) => redis.unlink(key)));
  return counts.reduce((sum, n) => sum + n, 0);
}
