import type { ConnectionOptions } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import { Redis as OneRedis } from "ioredis";
import { bullConnection } from "../../jobs/queues";
import { readModelKeys, type ReadModelKeys } from "../../readmodels/keys";
import { readModelLayout } from "../../readmodels/registry";
import type { Config } from "../config";
import { clusterClient } from "../redis";
import { CommandFailed } from "./args";

/** What a command-line tool needs of the read side: a connection, the key names, the queues'. */
export interface ToolRedis {
  readonly redis: Redis;
  readonly keys: ReadModelKeys;
  /** BullMQ's connection (on a cluster, a client of its own, closed by `close()`). */
  readonly bull: ConnectionOptions;
  close(): void;
}

/**
 * The read side of the configuration (REDIS_URL, or REDIS_CLUSTER_NODES), connected now, or a
 * CommandFailed in one clear line (no retries: a tool says Redis is away and exits, where the
 * service would wait for it).
 */
export async function connectRedis(
  config: Pick<Config, "redisUrl" | "redisCluster" | "redisPrefix" | "projectorPartitions">,
): Promise<ToolRedis> {
  const nodes = config.redisCluster;
  const where = nodes ? `the cluster ${nodes.map((n) => `${n.host}:${n.port}`).join(",")}` : config.redisUrl;
  const redis = nodes
    ? clusterClient(nodes, { maxRetriesPerRequest: 1 }, true)
    : new OneRedis(config.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    // A cluster client is ready once it knows the slots: one command proves it.
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new CommandFailed(`Redis is unavailable at ${where}: ${(error as Error).message}`);
  }
  const keys = readModelKeys(
    config.redisPrefix,
    config.redisPrefix,
    readModelLayout(nodes !== null, config.projectorPartitions),
  );
  const bullClient = nodes
    ? (clusterClient(nodes, { maxRetriesPerRequest: null }) as unknown as Cluster)
    : null;
  return {
    redis,
    keys,
    bull: bullClient ?? bullConnection(config.redisUrl),
    close() {
      bullClient?.disconnect();
      redis.disconnect();
    },
  };
}
