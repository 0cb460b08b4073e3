import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import type { ConnectionOptions } from "bullmq";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { bullConnection } from "../jobs/connection";
import type { Log } from "../projectors/log";
import { dataNodes } from "../readmodels/redis-nodes";

export class RedisUnavailable extends Error {
  constructor(url: string, message?: string) {
    super(
      message ??
        `Redis is not reachable at ${url}. Start one (e.g. "redis-server --port 6379"), ` +
          `install it (e.g. "apt-get install redis-server") so the service can start a private one, ` +
          `or set REDIS_URL to a reachable server.`,
    );
    this.name = "RedisUnavailable";
  }
}

/** One node of a Redis Cluster, as REDIS_CLUSTER_NODES names it. */
export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

/**
 * Reads REDIS_CLUSTER_NODES: "host:port" entries separated by commas (any few masters; the client
 * learns the rest of the cluster from them). Returns the nodes, or why the text is not that.
 */
export function parseClusterNodes(text: string): ClusterNode[] | string {
  const entries = text.split(",").map((entry) => entry.trim());
  if (entries.length === 0 || entries.some((entry) => entry === "")) {
    return `REDIS_CLUSTER_NODES must list "host:port" entries separated by commas; got "${text}"`;
  }
  const nodes: ClusterNode[] = [];
  for (const entry of entries) {
    const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
      return `REDIS_CLUSTER_NODES entry "${entry}" is not "host:port" (a port from 1 to 65535)`;
    }
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ""), port });
  }
  return nodes;
}

/** Options of one connection; a cluster gives each node connection the same. */
export interface ConnectionSettings {
  readonly maxRetriesPerRequest?: number | null;
  readonly enableAutoPipelining?: boolean;
}

/**
 * A cluster client typed as the one-server client: the read side is written against the command
 * API both speak (see readmodels/redis-nodes.ts for what differs, and how it is handled).
 */
export function clusterClient(
  nodes: readonly ClusterNode[],
  settings: ConnectionSettings = {},
  lazy = false,
): Redis {
  const { enableAutoPipelining, ...redisOptions } = settings;
  const cluster = new Cluster(
    nodes.map((node) => ({ ...node })),
    {
      redisOptions: redisOptions as RedisOptions,
      ...(enableAutoPipelining && { enableAutoPipelining }),
      lazyConnect: lazy,
      // Reads and writes go to the master of each slot: a replica may be behind what a projector
      // just wrote, and read-your-writes waits on the master's checkpoint.
      scaleReads: "master",
      // While slots move (a resharding), commands are redirected (MOVED / ASK, followed) or told to
      // try again (TRYAGAIN, for a multi-key command mid-migration): wait a little and retry.
      maxRedirections: 64,
      retryDelayOnTryAgain: 50,
      retryDelayOnClusterDown: 200,
    },
  );
  return cluster as unknown as Redis;
}

export interface RedisHandle {
  readonly url: string;
  /** The cluster's nodes when the read side runs on a Redis Cluster, else null. */
  readonly cluster: readonly ClusterNode[] | null;
  /** A new connection (a cluster client in cluster mode). */
  connect(settings?: ConnectionSettings): Redis;
  /** BullMQ's connection: settings for one server, a client of its own for a cluster. */
  bullConnection(): ConnectionOptions;
  /** The private redis-server this process started, if any. */
  readonly child: ChildProcess | null;
  /** Stops the private redis-server (its append-only file flushed); nothing for a server of others. */
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A TCP port nobody listens on right now (for a private redis-server, or a test's). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Finds a Redis: REDIS_URL if it answers; otherwise, when allowed and redis-server is on the PATH,
 * a private one (data under DATA_DIR/redis, append-only file on, noeviction) owned by this process.
 *
 * The private server runs in a process group of its own: Ctrl-C in a terminal signals the whole
 * foreground group, and Redis must outlive the service's last writes (acks, checkpoints) instead of
 * dying with it; the service stops it when it has stopped (`stop()`), and it is killed if this
 * process exits any other way. A server left by a process that was killed outright (SIGKILL) is
 * found by its port file and shut down before a new one opens the same files.
 */
export async function obtainRedis(options: {
  url: string;
  /** A Redis Cluster's nodes (REDIS_CLUSTER_NODES): then `url` and autostart are not used. */
  cluster?: readonly ClusterNode[] | null;
  autostart: boolean;
  dataDir: string;
  log: Log;
}): Promise<RedisHandle> {
  if (options.cluster) return obtainCluster(options.cluster);
  if (await answers(options.url)) return serverHandle(options.url, null, async () => undefined);
  const hasServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
  if (!options.autostart || !hasServer) throw new RedisUnavailable(options.url);
  const dir = resolve(options.dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const portFile = resolve(dir, "private-redis.port");
  await shutDownLeftover(portFile, dir, options.log);
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--save",
      "",
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: "ignore", detached: true },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await answers(url)) {
      writeFileSync(portFile, `${port}\n`);
      options.log.info({ url, dir }, "started a private redis-server (REDIS_URL did not answer)");
      return serverHandle(url, child, async () => {
        process.removeListener("exit", killOnExit);
        rmSync(portFile, { force: true });
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((done) => child.once("exit", done));
        // SIGTERM: Redis flushes its append-only file and exits; SIGKILL if it takes too long.
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  process.removeListener("exit", killOnExit);
  throw new RedisUnavailable(options.url);
}

function serverHandle(url: string, child: ChildProcess | null, stop: () => Promise<void>): RedisHandle {
  return {
    url,
    cluster: null,
    child,
    stop,
    connect: (settings = {}) => new Redis(url, settings as RedisOptions),
    bullConnection: () => bullConnection(url),
  };
}

/** A Redis Cluster that answers on its nodes (nothing is started for a cluster). */
async function obtainCluster(nodes: readonly ClusterNode[]): Promise<RedisHandle> {
  const named = nodes.map((node) => `${node.host}:${node.port}`).join(",");
  const probe = clusterClient(nodes, { maxRetriesPerRequest: 0 }, true) as unknown as Cluster;
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new RedisUnavailable(
      named,
      `The Redis Cluster at ${named} (REDIS_CLUSTER_NODES) does not answer: ${(error as Error).message}. ` +
        `Name at least one reachable master of a cluster whose slots are all served.`,
    );
  } finally {
    probe.disconnect();
  }
  // BullMQ takes a cluster as a client of ours (it closes none it did not open: stop() does).
  const bullClients: Cluster[] = [];
  return {
    url: `redis-cluster://${named}`,
    cluster: nodes,
    child: null,
    async stop() {
      for (const client of bullClients.splice(0)) client.disconnect();
    },
    connect: (settings = {}) => clusterClient(nodes, settings),
    bullConnection() {
      // Its workers block on Redis: commands wait out outages instead of failing.
      const client = clusterClient(nodes, { maxRetriesPerRequest: null }) as unknown as Cluster;
      bullClients.push(client);
      return client;
    },
  };
}

/** Shuts down a private redis-server a killed process left running on this data directory. */
async function shutDownLeftover(portFile: string, dir: string, log: Log): Promise<void> {
  let port: number;
  try {
    port = Number(readFileSync(portFile, "utf8").trim());
  } catch {
    return;
  }
  rmSync(portFile, { force: true });
  if (!Number.isInteger(port) || port <= 0) return;
  const url = `redis://127.0.0.1:${port}`;
  if (!(await answers(url))) return;
  const redis = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    // Only ours: a server on that port that keeps its files elsewhere belongs to someone else.
    const [, serverDir] = (await redis.config("GET", "dir")) as string[];
    if (serverDir !== dir) return;
    log.warn({ url, dir }, "a private redis-server from an earlier run is still running; shutting it down");
    await redis.call("SHUTDOWN").catch(() => undefined);
  } catch {
    // Gone meanwhile: nothing to do.
  } finally {
    redis.disconnect();
  }
}

/**
 * BullMQ and the read models both need every key kept. A view is applied exactly once per event by
 * comparing the event's revision with the one stored beside the view, and the projector's
 * checkpoint lives in Redis too: an evicted key would make events apply twice or views go missing
 * without any error.
 */
export async function checkEvictionPolicy(redis: Redis): Promise<void> {
  // Every master of a cluster holds part of the views: each must keep every key.
  for (const node of await dataNodes(redis)) await checkNodeEvictionPolicy(node);
}

async function checkNodeEvictionPolicy(redis: Redis): Promise<void> {
  const reply = (await redis.config("GET", "maxmemory-policy")) as string[];
  const policy = reply[1];
  if (policy !== "noeviction") {
    throw new Error(
      `Redis runs with maxmemory-policy "${policy}"; read models and queues need "noeviction", or Redis may ` +
        `silently drop keys. Fix: "redis-cli CONFIG SET maxmemory-policy noeviction" (and set it in redis.conf).`,
    );
  }
}

/**
 * Logs a connection's outages once each: when it is lost (with the error that ended it, if any)
 * and when it is back, rather than one line per failed reconnection attempt.
 */
export function watchConnection(redis: Redis, log: Log, connection: string): void {
  let down = false;
  let lastError: unknown = null;
  redis.on("error", (err: unknown) => {
    lastError = err;
  });
  redis.on("close", () => {
    if (down || redis.status === "end") return;
    down = true;
    log.warn({ connection, err: lastError ?? undefined }, "redis connection lost; reconnecting");
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    lastError = null;
    log.info({ connection }, "redis connection restored");
  });
}
