import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { CommandRuntime } from "../commands/runtime";
import { storeIdentity } from "../eventstore/identity";
import { isKurrentDbUrl, isPostgresServerUrl, openEventStore } from "../eventstore/open";
import { eventContracts } from "../domain/event-catalogue";
import type { EventStore } from "../eventstore/port";
import { partitioned } from "../projectors/partition";
import { allProjectors } from "../projectors/registry";
import { readModelLayout, viewNames, viewReaders, views } from "../readmodels/registry";
import { LiveGenerations } from "../readmodels/generations";
import type { Log } from "../projectors/log";
import { LogHead } from "../projectors/log-head";
import { LogCountedLag } from "../projectors/silent-lag";
import { ProjectorRunner } from "../projectors/runtime";
import { adoptReadModels, markReadModels } from "../readmodels/identity";
import { ProjectorCheckpoints, ProjectorStateStore } from "../readmodels/projector-state";
import { watchPartitionAgreement } from "./partition-watch";
import { ParkedEvents } from "../projectors/parked-events";
import { ChangeFeed } from "../readmodels/change-feed";
import { readModelKeys, type ReadModelKeys } from "../readmodels/keys";
import { JobsAdmin } from "../jobs/admin";
import { RebuildRequests } from "../jobs/rebuild-requests";
import { requestTaxCorrection } from "../jobs/tax-correction";
import { closeWithin, maintenanceQueue, processQueue } from "../jobs/queues";
import { startWorkers } from "../jobs/workers";
import { ProcessDispatcher, type ProcessJobData } from "../jobs/processes/dispatcher";
import { processManagers } from "../jobs/processes/index";
import { createGateway, type Gateway } from "./app";
import { readingThroughContracts } from "./contracts/reading";
import { Metrics } from "./metrics";
import { startTracing } from "./tracing";
import type { Config } from "./config";
import { listen, type HttpListener } from "./http";
import { redisRateLimiter } from "./limits/rate-limit";
import { loadPersistedOperations } from "./limits/persisted";
import { checkEvictionPolicy, obtainRedis, watchConnection } from "./redis";
import { loadDemoData, startDemoActivity, type DemoActivity, type DemoSummary } from "./demo";
import { seedSampleData } from "./sample-data";

export interface RunningService {
  /** GraphQL endpoint, when this process serves the gateway. */
  readonly url: string | null;
  readonly store: EventStore;
  readonly redis: Redis;
  /** The gateway's own Redis connection for reads (auto-pipelined), when this process serves it. */
  readonly gatewayRedis: Redis | null;
  /** The gateway itself, for in-process callers (`gateway.fetch(request)`), when this process serves it. */
  readonly gateway: Gateway | null;
  readonly projectors: readonly ProjectorRunner[];
  /**
   * The demo data load (DEMO=load|live), which runs after the service answers, and the start of
   * this process's projectors after it: settles when both are done, when `stop()` interrupted the
   * load, or on a failure (logged). Null when there is none.
   */
  readonly demoLoaded: Promise<void> | null;
  stop(): Promise<void>;
}

/**
 * Starts what the process role asks for: the gateway (HTTP + WebSocket), the projectors, or both.
 * Nothing connects on import; everything is opened here and closed by `stop()` in reverse order.
 * The demo data set, when asked for, loads after the gateway answers (a progress line every
 * tenth), so a first start answers in seconds; the projectors start when it is in.
 */
export async function startService(
  config: Config,
  log: Log,
  options: {
    /** The embedded store's directory being created already (server/embedded-store.ts). */
    embeddedStore?: Promise<void> | null;
  } = {},
): Promise<RunningService> {
  // Before anything connects, so the KurrentDB client is instrumented before its first call.
  const tracing = await startTracing({
    ...config.tracing,
    instanceId: config.consumerName,
    kurrentDb: isKurrentDbUrl(config.eventStoreUrl),
    log,
  });
  const redisHandle = await obtainRedis({
    url: config.redisUrl,
    cluster: config.redisCluster,
    autostart: config.redisAutostart,
    dataDir: config.dataDir,
    log,
  });
  const redis = redisHandle.connect({ maxRetriesPerRequest: 3 });
  watchConnection(redis, log, "projectors and operations");
  await checkEvictionPolicy(redis);
  if (options.embeddedStore) await options.embeddedStore;
  // Every append is checked against the published event contracts first (eventstore/contracts.ts).
  const store = await openEventStore(config.eventStoreUrl, {
    schema: config.eventStoreSchema,
    contracts: eventContracts,
  });
  const keys = readModelKeys(
    config.redisPrefix,
    config.redisPrefix,
    readModelLayout(redisHandle.cluster !== null, config.projectorPartitions),
  );
  const runsProjectors = config.role === "all" || config.role === "projector";
  // In one process with the gateway, the projectors and the reaction dispatcher read the log and
  // ack through a pool of their own (PostgreSQL server only; PGlite has one connection): sharing
  // one pool, commands waited behind consumer-group fetches and acks.
  const readSide =
    config.role === "all" && isPostgresServerUrl(config.eventStoreUrl)
      ? await openEventStore(config.eventStoreUrl, {
          schema: config.eventStoreSchema,
          contracts: eventContracts,
        })
      : store;

  const serving = config.role === "all" || config.role === "gateway";
  // Served by the gateway at /metrics; a projector-only process serves no HTTP.
  const metrics = serving ? new Metrics() : null;
  const commands = new CommandRuntime({
    store,
    stateCacheSize: config.commandStateCache,
    ...(metrics && { observe: metrics.observeCommand }),
    snapshots: {
      store,
      policyFor: config.snapshots,
      onIgnored: (info) =>
        log.warn(info, "snapshot of another state shape ignored; the stream was read whole"),
      onWriteFailed: ({ streamId, error }) =>
        log.warn({ streamId, err: error }, "could not write a snapshot (the command succeeded)"),
    },
  });
  if (config.sampleData) await seedSampleData(store, commands, log);

  // Jobs: the queue, for the roles that run its workers or show it to operators (not projectors).
  // A projector process runs no queue: it opens no connection for one.
  const bull = {
    connection: config.role === "projector" ? {} : redisHandle.bullConnection(),
    prefix: keys.queuePrefix(),
  };
  let queueOutage = false;
  const queue =
    config.role === "projector"
      ? null
      : maintenanceQueue(bull, (err) => {
          if (queueOutage) return;
          queueOutage = true; // once per process: the Redis connection watch reports outages
          log.warn({ err }, "job queue connection error");
        });
  const runsWorkers = queue !== null && (config.role === "all" || config.role === "worker");
  // Process managers: their consumer groups feed a queue of reactions the workers run.
  const reactions = runsWorkers
    ? processQueue<ProcessJobData>(bull, (err) => log.warn({ err }, "process queue connection error"))
    : null;
  const workers =
    queue && runsWorkers
      ? await startWorkers({
          ...bull,
          queue,
          log: store,
          commands,
          snapshotPolicy: config.snapshots,
          snapshotSweepEveryMs: config.snapshotSweepEveryMs,
          redis,
          keys,
          logger: log,
          projectorAt: (name, at) => {
            const view = Object.values(views).find((v) => v.name === name);
            if (!view) throw new Error(`no view "${name}"`);
            return readingThroughContracts(view.projector(at));
          },
          partitions: config.projectorPartitions,
          processes: processManagers,
          settings: config.jobs,
        })
      : null;
  const dispatcher = reactions
    ? new ProcessDispatcher({
        store: readSide,
        queue: reactions,
        redis,
        processes: processManagers,
        consumerName: config.consumerName,
        log,
      })
    : null;
  await dispatcher?.start();
  const jobsAdmin = queue ? new JobsAdmin(queue, bull.connection, bull.prefix) : null;

  // The projectors' reports, as this process reads them (the watch below, and a gateway's /ready and metrics).
  // A projector that stopped reporting: its lag is counted from the log by whoever reads its state.
  const allOfThem = allProjectors(keys);
  const silentLag = new LogCountedLag(
    readSide,
    new Map(allOfThem.map((projector) => [projector.name, projector.filter])),
  );
  const projectorStates = new ProjectorStateStore(redis, keys, config.projectorPartitions, silentLag);
  const partitionWatch = watchPartitionAgreement({
    states: projectorStates,
    partitions: config.projectorPartitions,
    log,
  });
  const projectors: ProjectorRunner[] = [];
  // One read of the log's head per report interval for all of this process's projectors.
  const logHead = new LogHead(readSide);
  const startProjectors = async () => {
    const storeId = await storeIdentity(readSide);
    if (await adoptReadModels(redis, keys, storeId)) {
      log.warn(
        { prefix: config.redisPrefix },
        "read models in Redis were built from another event store; rebuilding",
      );
    }
    const partition = config.projectorPartition;
    for (const view of Object.values(views)) {
      // Each runner writes its view's live generation, and follows it when a rebuild switches it.
      const projectorAt = (at: ReadModelKeys) => {
        const whole = readingThroughContracts(view.projector(at));
        return partition ? partitioned(whole, partition.index, partition.count) : whole;
      };
      const runner = new ProjectorRunner({
        store: readSide,
        redis,
        keys,
        projector: projectorAt(keys),
        follow: { view: view.name, projectorAt },
        consumerName: config.consumerName,
        logHead,
        groupSettings: { leaseTimeoutMs: config.projectorLeaseMs, batchSize: config.projectorBatchSize },
        log,
        // Redis came back empty: what is rebuilt now is this store's, as adoptReadModels would say.
        onReadModelsLost: () => markReadModels(redis, keys, view.name, storeId),
      });
      await runner.start();
      projectors.push(runner);
    }
  };
  const loadsDemo = config.demo !== "off" && serving;
  // With demo data to load, this process's projectors start once it is in (below): chasing every
  // one of its ~1,800 commands as it is appended would take them ten times as long as catching
  // up afterwards in batches.
  if (runsProjectors && !loadsDemo) await startProjectors();

  let listener: HttpListener | null = null;
  let served: Gateway | null = null;
  let subscriber: Redis | null = null;
  let reads: Redis | null = null;
  let liveGenerations: LiveGenerations | null = null;
  const demoStop = new AbortController();
  let demoActivity: DemoActivity | null = null;
  let demoLoaded: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  // Closes what is open, in reverse order; also what a start that fails midway has opened.
  const stop = () =>
    // Once, however many callers (signal handlers, tests) ask.
    (stopping ??= (async () => {
      // A load in hand stops between two commands (each is atomic); a later start completes it.
      demoStop.abort();
      await demoLoaded;
      await demoActivity?.stop();
      await listener?.close();
      partitionWatch.stop();
      liveGenerations?.stop();
      await Promise.all(projectors.map((runner) => runner.stop()));
      await dispatcher?.stop();
      await workers?.stop();
      if (reactions) await closeWithin(reactions, 2_000);
      await jobsAdmin?.close();
      if (queue) await closeWithin(queue, 2_000);
      if (readSide !== store) await readSide.close();
      await store.close();
      subscriber?.disconnect();
      reads?.disconnect();
      await redis.quit().catch(() => undefined);
      await redisHandle.stop();
      await tracing.shutdown();
    })());
  if (serving && metrics) {
    subscriber = redisHandle.connect();
    watchConnection(subscriber, log, "gateway change notices");
    // Queries get their own connection with auto-pipelining: the reads one GraphQL execution step
    // issues together (a field on each of 100 list items) travel as one round trip.
    reads = redisHandle.connect({ maxRetriesPerRequest: 3, enableAutoPipelining: true });
    watchConnection(reads, log, "gateway reads");
    const gatewayReads = reads;
    // Which generation of each view is live, in memory: readers resolve their keys through it.
    const changes = new ChangeFeed(subscriber);
    liveGenerations = new LiveGenerations(gatewayReads, keys, viewNames);
    await liveGenerations.start(changes);
    const generationsNow = liveGenerations;
    const keysOf = (view: string) => generationsNow.keysOf(view);
    const gatewayStates = new ProjectorStateStore(gatewayReads, keys, config.projectorPartitions, silentLag);
    const projectorNames = allOfThem.map((p) => p.name);
    const parked = new ParkedEvents(store, config.projectorPartitions);
    metrics
      .projectors(projectorStates, projectorNames)
      .eventStorePool(() => store.poolStats?.() ?? null)
      .redis({ projectors: redis, gateway_reads: reads, gateway_notices: subscriber })
      .liveViews(changes);
    if (queue) metrics.jobs(() => queue.getJobCounts());
    const { auth, limits } = config;
    const gateway = createGateway({
      auth,
      limits,
      log,
      rateLimiter:
        limits.rateLimitMutations > 0
          ? redisRateLimiter(gatewayReads, keys, limits.rateLimitMutations, limits.rateLimitWindowSeconds)
          : null,
      persistedOperations: limits.persistedOperationsFile
        ? loadPersistedOperations(limits.persistedOperationsFile)
        : null,
      operations: {
        pingStore: () => store.ping(),
        pingRedis: async () => {
          await redis.ping();
        },
        projectorStates,
        projectorNames,
        readyMaxLagEvents: config.readyMaxLagEvents,
        partitions: config.projectorPartitions,
      },
      metrics,
      graphiql: config.graphiql,
      services: {
        views: viewReaders(gatewayReads, keys, keysOf),
        projectorStates: gatewayStates,
        commands,
        changes,
        clock: () => new Date(),
        projectorNames,
        admin: {
          listParked: (projector, limit) => parked.list(projector, limit),
          replayParked: (projector, limit) => parked.replay(projector, limit),
          skipParked: (projector, eventId) => parked.skip(redis, keys, projector, eventId),
        },
        eventLog: {
          readStream: (streamId, options) => store.readStream(streamId, options),
          readSnapshot: (streamId) => store.readSnapshot(streamId),
        },
        checkpoints: new ProjectorCheckpoints(gatewayReads, keysOf, config.projectorPartitions),
        jobs: jobsAdmin!,
        rebuilds: new RebuildRequests(queue!, redis, keys, viewNames),
        corrections: { correctTax: (data) => requestTaxCorrection(queue!, data) },
        newId: randomUUID,
      },
    });
    served = gateway;
    try {
      listener = await listen(gateway, config.host, config.port, log);
    } catch (error) {
      // An address in use, say: the process ends, and leaves no connection, store or private
      // redis-server behind it.
      await stop();
      throw error;
    }
  }

  // The demo data set goes in through the command path while the service already answers; then
  // this process's projectors start and build the views from it.
  if (loadsDemo) {
    demoLoaded = (async () => {
      let openOrders: DemoSummary["openOrders"] = [];
      try {
        ({ openOrders } = await loadDemoData(commands, {
          store,
          log,
          signal: demoStop.signal,
          onProgress: demoProgress(log),
        }));
      } catch (error) {
        log.error({ err: error }, "demo data: the load failed; the service goes on without the rest of it");
      }
      if (demoStop.signal.aborted) return;
      if (runsProjectors) await startProjectors();
      if (config.demo === "live" && !demoStop.signal.aborted)
        demoActivity = startDemoActivity(commands, { log, openOrders });
    })().catch((error: unknown) => {
      if (!demoStop.signal.aborted) log.error({ err: error }, "the projectors did not start");
    });
  }

  return {
    url: listener?.url ?? null,
    store,
    redis,
    gatewayRedis: reads,
    gateway: served,
    projectors,
    demoLoaded,
    stop,
  };
}

/** One log line per tenth of the demo load, so a first start is never silent. */
function demoProgress(log: Log): (done: number, total: number) => void {
  let lastTenth = 0;
  return (done, total) => {
    const tenth = Math.floor((done * 10) / total);
    if (tenth <= lastTenth || done === total) return;
    lastTenth = tenth;
    log.info({ done, total }, `demo data: ${tenth * 10} % (${done}/${total} commands)`);
  };
}
