import { loadAuthSettings, type AuthSettings } from "./auth/settings";
import { loadLimitSettings, type LimitSettings } from "./limits/settings";
import type { TracingSettings } from "./tracing";

import { defaultSnapshotPolicy, type SnapshotPolicy } from "../commands/snapshots";
import { parsePartition } from "../projectors/partition";
import { parseClusterNodes, type ClusterNode } from "./redis";

/** Every setting comes from the environment; this table is mirrored in the README. */
export type Role = "all" | "gateway" | "projector" | "worker";

export interface Config {
  readonly role: Role;
  readonly host: string;
  readonly port: number;
  readonly eventStoreUrl: string;
  /** PostgreSQL schema holding the event store tables (PostgreSQL and PGlite). */
  readonly eventStoreSchema: string;
  readonly redisUrl: string;
  /** The read side runs on this Redis Cluster instead (REDIS_CLUSTER_NODES; REDIS_URL is not used). */
  readonly redisCluster: readonly ClusterNode[] | null;
  /** Start a private redis-server when REDIS_URL does not answer (the zero-setup default). */
  readonly redisAutostart: boolean;
  readonly redisPrefix: string;
  readonly logLevel: string;
  readonly consumerName: string;
  readonly dataDir: string;
  /** Demo data through the command path: "load" (once), "live" (load, then gentle activity), "off". */
  readonly demo: "off" | "load" | "live";
  /** Load a few sample accounts when the event store is empty. */
  readonly sampleData: boolean;
  /** A projector process that stops renewing its consumer-group lease for this long is presumed
   * dead and another takes over. */
  readonly projectorLeaseMs: number;
  /** This process runs partition `index` of `count` of every projector (null: whole projectors). */
  readonly projectorPartition: { index: number; count: number } | null;
  /** How many partitions projector processes run (the gateway combines their freshness). */
  readonly projectorPartitions: number;
  /** Events per batch a projector takes from its consumer group. */
  readonly projectorBatchSize: number;
  /** /ready fails while a projector is further behind than this many events. */
  readonly readyMaxLagEvents: number;
  /** Serve GraphiQL at /graphql in a browser. */
  readonly graphiql: boolean;
  /** SIGTERM / SIGINT: how long the process may take to stop before it exits anyway. */
  readonly shutdownGraceMs: number;
  /** When the command runtime snapshots an aggregate, per aggregate type (account, order, product). */
  readonly snapshots: (aggregate: string) => SnapshotPolicy;
  /** The time-based snapshot sweep: how often it runs (null: off). */
  readonly snapshotSweepEveryMs: number | null;
  /** Streams whose last state the command runtime keeps between commands (0: none). */
  readonly commandStateCache: number;
  /** Rebuilds and other jobs (see `JobSettings`). */
  readonly jobs: JobSettings;
  /** Who may call the API (JWT settings, introspection, allowed origins). */
  readonly auth: AuthSettings;
  /** Limits against abuse (body size, depth, cost, aliases, batch, rate, persisted operations). */
  readonly limits: LimitSettings;
  /** Where spans go (OpenTelemetry over OTLP), if anywhere. */
  readonly tracing: TracingSettings;
}

export interface JobSettings {
  /** A worker holds a job's lock this long between renewals; a dead worker's job is taken over
   * once it lapses (BullMQ's stalled-job check runs as often). */
  readonly lockMs: number;
  /** Events a rebuild reads and writes per step. */
  readonly rebuildPageSize: number;
  /** How long after its switch a rebuild removes the replaced generation (readers move first). */
  readonly rebuildRetireAfterMs: number;
  /** Process-manager reactions a worker process runs at once. */
  readonly processConcurrency: number;
  /** A pause after each process step (fault drills: kill a worker between two steps); 0 in use. */
  readonly processStepPauseMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const roles: readonly Role[] = ["all", "gateway", "projector", "worker"];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const role = (env.ROLE ?? "all") as Role;
  if (!roles.includes(role))
    throw new ConfigError(`ROLE must be one of ${roles.join(", ")}; got "${env.ROLE}"`);
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a port number; got "${env.PORT}"`);
  }
  const dataDir = env.DATA_DIR ?? "./data";
  const fail = (message: string): never => {
    throw new ConfigError(message);
  };
  const partition = partitionSetting(env.PROJECTOR_PARTITION, fail);
  return {
    role,
    host: env.HOST ?? "127.0.0.1",
    port,
    eventStoreUrl: env.EVENT_STORE_URL ?? `pglite://${dataDir}/eventstore`,
    eventStoreSchema: env.EVENT_STORE_SCHEMA ?? "eventstore",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    redisCluster: clusterNodes(env, fail),
    redisAutostart: (env.REDIS_AUTOSTART ?? (env.REDIS_URL ? "false" : "true")) === "true",
    redisPrefix: env.REDIS_PREFIX ?? "ll:",
    logLevel: env.LOG_LEVEL ?? "info",
    consumerName: env.CONSUMER_NAME ?? `${process.pid}@${env.HOSTNAME ?? "local"}`,
    dataDir,
    demo: parseDemo(env.DEMO ?? (env.EVENT_STORE_URL ? "off" : "live")),
    sampleData: (env.SAMPLE_DATA ?? (env.EVENT_STORE_URL ? "false" : "true")) === "true",
    projectorLeaseMs: positiveInteger(env, "PROJECTOR_LEASE_MS", 5000),
    projectorPartition: partition,
    projectorPartitions: positiveInteger(env, "PROJECTOR_PARTITIONS", partition?.count ?? 1),
    projectorBatchSize: positiveInteger(env, "PROJECTOR_BATCH_SIZE", 200),
    readyMaxLagEvents: zeroMeansOff(env, "READY_MAX_LAG_EVENTS", 1000) ?? 0,
    graphiql: (env.GRAPHIQL ?? (env.NODE_ENV === "production" ? "false" : "true")) === "true",
    shutdownGraceMs: positiveInteger(env, "SHUTDOWN_GRACE_MS", 10_000),
    snapshots: snapshotPolicies(env),
    snapshotSweepEveryMs: zeroMeansOff(env, "SNAPSHOT_SWEEP_EVERY_MS", 3_600_000, "a number of milliseconds"),
    commandStateCache: zeroMeansOff(env, "COMMAND_STATE_CACHE", 10_000) ?? 0,
    jobs: {
      lockMs: positiveInteger(env, "JOB_LOCK_MS", 30_000),
      rebuildPageSize: positiveInteger(env, "REBUILD_PAGE_SIZE", 1_000),
      rebuildRetireAfterMs: positiveInteger(env, "REBUILD_RETIRE_AFTER_MS", 5_000),
      processConcurrency: positiveInteger(env, "PROCESS_CONCURRENCY", 8),
      processStepPauseMs: zeroMeansOff(env, "PROCESS_STEP_PAUSE_MS", 0, "a number of milliseconds") ?? 0,
    },
    auth: loadAuthSettings(env, role === "all" || role === "gateway", fail),
    limits: loadLimitSettings(env, fail),
    tracing: loadTracingSettings(env),
  };
}

function clusterNodes(env: NodeJS.ProcessEnv, fail: (message: string) => never): ClusterNode[] | null {
  const text = env.REDIS_CLUSTER_NODES;
  if (text === undefined || text.trim() === "") return null;
  if (env.REDIS_URL) fail("Set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both");
  if (/[{}]/.test(env.REDIS_PREFIX ?? "")) {
    fail(`REDIS_PREFIX may not contain "{" or "}" on a Redis Cluster (it would pick every key's slot)`);
  }
  const nodes = parseClusterNodes(text);
  return typeof nodes === "string" ? fail(nodes) : nodes;
}

/** A non-negative integer setting where 0 turns the thing off (null); `what` names the unit. */
function zeroMeansOff(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number | null,
  what = "a positive integer",
): number | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new ConfigError(`${name} must be 0 or ${what}; got "${raw}"`);
  return value === 0 ? null : value;
}

/**
 * OpenTelemetry's own variables: on with an OTLP endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as
 * given, or OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces after it), unless the SDK or the exporter is
 * turned off (OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none).
 */
function loadTracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const disabled = env.OTEL_SDK_DISABLED?.toLowerCase() === "true" || env.OTEL_TRACES_EXPORTER === "none";
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? `${base.replace(/\/+$/, "")}/v1/traces` : null);
  return { otlpTracesUrl: disabled ? null : url, serviceName: env.OTEL_SERVICE_NAME || "ledgerline" };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive integer; got "${raw}"`);
  return value;
}

/** PROJECTOR_PARTITION ("2/4"): refused here, as a configuration error, rather than at the projectors' start. */
function partitionSetting(
  text: string | undefined,
  fail: (message: string) => never,
): { index: number; count: number } | null {
  try {
    return parsePartition(text);
  } catch (error) {
    return fail((error as Error).message);
  }
}

/**
 * SNAPSHOT_EVERY (default 100 events) and SNAPSHOT_LARGER_THAN_BYTES (default 65536), each
 * overridable per aggregate type (SNAPSHOT_EVERY_ACCOUNT, SNAPSHOT_LARGER_THAN_BYTES_ORDER, ...);
 * 0 turns a rule off.
 */
function snapshotPolicies(env: NodeJS.ProcessEnv): (aggregate: string) => SnapshotPolicy {
  const count = (name: string, fallback: number | null) => zeroMeansOff(env, name, fallback);
  const every = count("SNAPSHOT_EVERY", defaultSnapshotPolicy.everyEvents);
  const larger = count("SNAPSHOT_LARGER_THAN_BYTES", defaultSnapshotPolicy.largerThanBytes);
  const policies = new Map(
    ["account", "order", "product"].map((aggregate) => {
      const suffix = aggregate.toUpperCase();
      const policy: SnapshotPolicy = {
        everyEvents: count(`SNAPSHOT_EVERY_${suffix}`, every),
        largerThanBytes: count(`SNAPSHOT_LARGER_THAN_BYTES_${suffix}`, larger),
        minEventsBetween: defaultSnapshotPolicy.minEventsBetween,
        sweep: (env[`SNAPSHOT_SWEEP_${suffix}`] ?? "true") !== "false",
      };
      return [aggregate, policy] as const;
    }),
  );
  const fallback: SnapshotPolicy = { ...defaultSnapshotPolicy, everyEvents: every, largerThanBytes: larger };
  return (aggregate) => policies.get(aggregate) ?? fallback;
}

function parseDemo(value: string): Config["demo"] {
  if (value === "off" || value === "load" || value === "live") return value;
  throw new ConfigError(`DEMO must be off, load or live; got "${value}"`);
}
