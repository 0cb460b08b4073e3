import type { TestProject } from "vitest/node";
import { PrivateRedisCluster } from "../../gameday/lib/private-redis-cluster";

/**
 * Global set-up of the "redis-cluster" test project: one 3-master Redis Cluster of its own for
 * the project's suites (each uses its own key prefix), stopped when they are done.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await PrivateRedisCluster.start(3);
  project.provide("redisClusterNodes", cluster.nodes);
  return () => cluster.stop();
}
