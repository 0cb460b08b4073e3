import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { CommandRuntime } from "../commands/runtime";
import { openEventStore } from "../eventstore/open";
import type { EventStore } from "../eventstore/port";
import { partitioned } from "../projectors/partition";
import { allProjectors } from "../projectors/registry";
import type { Log } from "../projectors/log";
import { ProjectorRunner, projectorGroup } from "../projectors/runtime";
import { AccountHistoryReader, AccountReader } from "../readmodels/accounts";
import { InventoryReader } from "../readmodels/inventory";
import { OrderReader } from "../readmodels/orders";
import { ProjectorStateStore } from "../readmodels/projector-state";
import { RevenueReader } from "../readmodels/revenue";
import { ChangeFeed } from "../readmodels/change-feed";
import { readModelKeys } from "../readmodels/keys";
import { createGateway } from "./app";
import type { Config } from "./config";
import { listen, type HttpListener } from "./http";
import { checkEvictionPolicy, obtainRedis } from "./redis";
import { seedSampleData } from "./sample-data";

export interface RunningService {
  /** GraphQL endpoint, when this process serves the gateway. */
  readonly url: string | null;
  readonly store: EventStore;
  readonly redis: Redis;
  readonly projectors: readonly ProjectorRunner[];
  stop(): Promise<void>;
}

/**
 * Starts what the process role asks for: the gateway (HTTP + WebSocket), the projectors, or both.
 * Nothing connects on import; everything is opened here and closed by `stop()` in reverse order.
 */
export async function startService(config: Config, log: Log): Promise<RunningService> {
  const redisHandle = await obtainRedis({
    url: config.redisUrl,
    autostart: config.redisAutostart,
    dataDir: config.dataDir,
    log,
  });
  const redis = new Redis(redisHandle.url, { maxRetriesPerRequest: 3 });
  redis.on("error", (err) => log.warn({ err }, "redis connection error"));
  await checkEvictionPolicy(redis);
  const store = await openEventStore(config.eventStoreUrl, { schema: config.eventStoreSchema });
  const keys = readModelKeys(config.redisPrefix);

  const commands = new CommandRuntime({ store });
  if (config.sampleData) await seedSampleData(store, commands, log);

  const projectors: ProjectorRunner[] = [];
  if (config.role === "all" || config.role === "projector") {
    const partition = config.projectorPartition;
    for (const whole of allProjectors(keys)) {
      const projector = partition ? partitioned(whole, partition.index, partition.count) : whole;
      const runner = new ProjectorRunner({
        store,
        redis,
        keys,
        projector,
        consumerName: config.consumerName,
        log,
      });
      await runner.start();
      projectors.push(runner);
    }
  }

  let listener: HttpListener | null = null;
  let subscriber: Redis | null = null;
  if (config.role === "all" || config.role === "gateway") {
    subscriber = new Redis(redisHandle.url);
    subscriber.on("error", (err) => log.warn({ err }, "redis subscriber connection error"));
    const projectorStates = new ProjectorStateStore(redis, keys, config.projectorPartitions);
    const projectorNames = allProjectors(keys).map((p) => p.name);
    const gateway = createGateway({
      operations: {
        pingStore: () => store.ping(),
        pingRedis: async () => {
          await redis.ping();
        },
        projectorStates,
        projectorNames,
        readyMaxLagEvents: config.readyMaxLagEvents,
      },
      graphiql: config.graphiql,
      logError: (fields, message) => log.error(fields, message),
      services: {
        accounts: new AccountReader(redis, keys),
        accountHistory: new AccountHistoryReader(redis, keys),
        projectorStates,
        orders: new OrderReader(redis, keys),
        inventory: new InventoryReader(redis, keys),
        revenue: new RevenueReader(redis, keys),
        commands,
        changes: new ChangeFeed(subscriber),
        keys,
        clock: () => new Date(),
        projectorNames,
        admin: {
          listParked: (projector, limit) => store.listParked(projectorGroup(projector), { limit }),
          replayParked: (projector, limit) => store.replayParked(projectorGroup(projector), { limit }),
        },
        newId: randomUUID,
      },
    });
    listener = await listen(gateway, config.host, config.port);
  }

  return {
    url: listener?.url ?? null,
    store,
    redis,
    projectors,
    async stop() {
      await listener?.close();
      await Promise.all(projectors.map((runner) => runner.stop()));
      await store.close();
      subscriber?.disconnect();
      await redis.quit().catch(() => undefined);
      redisHandle.child?.kill("SIGTERM");
    },
  };
}
