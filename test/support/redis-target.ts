import { inject } from "vitest";
import { PrivateRedis } from "../../gameday/lib/private-redis";
import { clusterTarget, testRedisUrl, type RedisTarget } from "../../gameday/lib/redis-keys";

declare module "vitest" {
  export interface ProvidedContext {
    /** The nodes of the Redis Cluster the "redis-cluster" project runs its suites on. */
    redisClusterNodes: string;
  }
}

/**
 * The read side the suites run on: the test Redis, or, in the "redis-cluster" test project, the
 * 3-master cluster its global set-up started (test/support/cluster-setup.ts). Every suite that
 * runs in both projects asks here instead of naming a Redis.
 */
export function testRedis(): RedisTarget {
  const nodes = inject("redisClusterNodes") as string | undefined;
  return nodes ? clusterTarget(nodes) : testRedisUrl;
}

/** Whether the suites run on a Redis Cluster. */
export function onCluster(): boolean {
  return typeof testRedis() !== "string";
}

/**
 * A Redis of the test's own: a private redis-server (which the test may kill), or, in the
 * "redis-cluster" project, the project's cluster (shared: the test's key prefix keeps it apart,
 * and nothing stops it). `server` is the private server, null on the cluster.
 */
export async function ownRedis(): Promise<{
  readonly target: RedisTarget;
  readonly server: PrivateRedis | null;
  stop(): Promise<void>;
}> {
  if (onCluster()) return { target: testRedis(), server: null, stop: async () => undefined };
  const server = await PrivateRedis.start();
  return { target: server.url, server, stop: () => server.kill() };
}
