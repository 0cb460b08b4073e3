import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Redis } from "ioredis";
import { openEventStore } from "../eventstore/open";
import type { EventStore } from "../eventstore/port";
import { freePort } from "../server/redis";
import { PrivateRedis } from "./lib/private-redis";
import { deleteKeys } from "./lib/redis-keys";
import { ServiceProcess } from "./lib/service-process";
import { TcpProxy } from "./lib/tcp-proxy";

/** The processes of the game day's deployment, each restartable after a kill. */
export interface Node {
  readonly name: string;
  readonly role: "gateway" | "projector" | "worker";
  process: ServiceProcess;
  /** The gateway's address (gateways only). */
  readonly url: string | null;
  restart(): void;
}

export interface TopologyOptions {
  /** PostgreSQL the store lives in (a schema of the game day's own). */
  readonly storeUrl: string;
  readonly partitions: number;
  readonly logFile: string;
}

/**
 * The real topology, as separate processes on this machine: two gateways, one projector process
 * per partition, a worker, a private Redis with an append-only file, and the event store (a
 * PostgreSQL schema of its own). The projectors reach Redis and the store through TCP proxies of
 * their own (a partition cuts them off); everyone reaches the store through one more proxy (a
 * stall holds every connection without closing it).
 */
export class Topology {
  readonly nodes: Node[] = [];
  readonly prefix = `gameday:${randomBytes(4).toString("hex")}:`;
  readonly schema = `gameday_${randomBytes(4).toString("hex")}`;
  readonly secret = randomBytes(32).toString("hex");
  redis!: PrivateRedis;
  /** The projectors' way to Redis and to the store (cut together: a network partition). */
  projectorRedisProxy!: TcpProxy;
  projectorStoreProxy!: TcpProxy;
  /** Everyone else's way to the store (stalled to make the store hang). */
  storeProxy!: TcpProxy;
  /** The game day's own connections: direct, never through a proxy. */
  store!: EventStore;
  client!: Redis;
  private aofDir: string | null = null;
  private stopped = false;

  private constructor(private readonly options: TopologyOptions) {}

  static async start(options: TopologyOptions): Promise<Topology> {
    const topology = new Topology(options);
    try {
      await topology.up();
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  }

  get gateways(): Node[] {
    return this.nodes.filter((node) => node.role === "gateway");
  }

  get projectors(): Node[] {
    return this.nodes.filter((node) => node.role === "projector");
  }

  get worker(): Node {
    return this.nodes.find((node) => node.role === "worker")!;
  }

  private async up(): Promise<void> {
    const { storeUrl, partitions } = this.options;
    this.aofDir = await mkdtemp(join(tmpdir(), "ledgerline-gameday-redis-"));
    this.redis = await PrivateRedis.start({ appendOnlyDir: this.aofDir });
    const target = new URL(storeUrl);
    const storeHost = target.hostname || "127.0.0.1";
    const storePort = Number(target.port || 5432);
    this.projectorRedisProxy = new TcpProxy("127.0.0.1", this.redis.port);
    this.projectorStoreProxy = new TcpProxy(storeHost, storePort);
    this.storeProxy = new TcpProxy(storeHost, storePort);
    for (const proxy of [this.projectorRedisProxy, this.projectorStoreProxy, this.storeProxy])
      await proxy.start();

    // The schema and its tables, made once before any process starts.
    this.store = await openEventStore(storeUrl, { schema: this.schema });
    this.client = new Redis(this.redis.url, { maxRetriesPerRequest: null });
    this.client.on("error", () => undefined);

    const through = (proxy: TcpProxy) => {
      const url = new URL(storeUrl);
      url.hostname = "127.0.0.1";
      url.port = String(proxy.port);
      return url.toString();
    };
    const common = {
      EVENT_STORE_SCHEMA: this.schema,
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: this.prefix,
      JWT_SECRET: this.secret,
      DEMO: "off",
      PROJECTOR_PARTITIONS: String(partitions),
      // Short leases: a killed projector's partition is taken over within seconds.
      PROJECTOR_LEASE_MS: "2000",
      JOB_LOCK_MS: "5000",
      REBUILD_RETIRE_AFTER_MS: "2000",
      // The load is many clients' worth from one address.
      RATE_LIMIT_MUTATIONS: "0",
      LOG_LEVEL: "warn",
    };
    const direct = { ...common, EVENT_STORE_URL: through(this.storeProxy), REDIS_URL: this.redis.url };
    let consumer = 0;
    const node = (
      name: string,
      role: Node["role"],
      env: Record<string, string>,
      url: string | null,
    ): Node => {
      const make = () =>
        new ServiceProcess({ ...env, CONSUMER_NAME: `${name}-${++consumer}` }, this.options.logFile);
      const entry: Node = {
        name,
        role,
        url,
        process: make(),
        restart: () => {
          entry.process = make();
          entry.process.start();
        },
      };
      entry.process.start();
      this.nodes.push(entry);
      return entry;
    };
    for (const index of [0, 1]) {
      const port = await freePort();
      node(
        `gateway-${index + 1}`,
        "gateway",
        { ...direct, ROLE: "gateway", PORT: String(port) },
        `http://127.0.0.1:${port}/graphql`,
      );
    }
    for (let index = 0; index < partitions; index++) {
      node(
        `projector-${index}`,
        "projector",
        {
          ...common,
          ROLE: "projector",
          PROJECTOR_PARTITION: `${index}/${partitions}`,
          EVENT_STORE_URL: through(this.projectorStoreProxy),
          REDIS_URL: `redis://127.0.0.1:${this.projectorRedisProxy.port}`,
        },
        null,
      );
    }
    node("worker", "worker", { ...direct, ROLE: "worker" }, null);
    await this.gatewaysAnswer(60_000);
  }

  /** Waits until every gateway answers `{ __typename }`. */
  async gatewaysAnswer(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const gateway of this.gateways) {
      for (;;) {
        try {
          const response = await fetch(gateway.url!, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: "{ __typename }" }),
          });
          if (response.ok) break;
        } catch {
          // Not listening yet.
        }
        if (Date.now() > deadline) throw new Error(`${gateway.name} did not answer within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Ends every process, proxy and server it started, and removes every schema and key it made. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.nodes.map((node) => node.process.kill().catch(() => undefined)));
    for (const proxy of [this.projectorRedisProxy, this.projectorStoreProxy, this.storeProxy]) {
      await proxy?.stop().catch(() => undefined);
    }
    this.client?.disconnect();
    await this.store?.close().catch(() => undefined);
    if (this.redis) {
      await deleteKeys(this.prefix, this.redis.url).catch(() => undefined);
      await this.redis.killAndWipe().catch(() => undefined);
    }
    if (this.aofDir) await rm(this.aofDir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: this.options.storeUrl });
    try {
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } catch {
      // The store is away: nothing of ours can be left in it that we could remove.
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
}
