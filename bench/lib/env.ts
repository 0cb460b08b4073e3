import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { openEventStore } from "../../eventstore/open";
import type { EventStore } from "../../eventstore/port";
import { silentLog } from "../../projectors/log";
import { mintToken } from "../../server/auth/tokens";
import { loadConfig } from "../../server/config";
import { startService, type RunningService } from "../../server/services";
import { BENCH_USER } from "./graphql";

export const databaseUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
export const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Everything one run creates: PostgreSQL schemas named `bench_<run>_…` and Redis keys under
 * `bench:<run>:`. Each figure takes its own schema and prefix, so figures never see each other's
 * events; `cleanup()` drops all of them (also on SIGINT / SIGTERM).
 */
export class RunEnv {
  readonly runId = randomBytes(4).toString("hex");
  private readonly jwtSecret = randomBytes(32).toString("hex");
  private readonly schemas = new Set<string>();
  private readonly services = new Set<RunningService>();
  private readonly closers = new Set<() => Promise<void>>();
  private closed = false;

  get keyPrefix(): string {
    return `bench:${this.runId}:`;
  }

  /** A fresh schema name (the event store creates it on open; `plainSchema` creates it here). */
  schema(name: string): string {
    const schema = `bench_${this.runId}_${name}`;
    this.schemas.add(schema);
    return schema;
  }

  prefix(name: string): string {
    return `${this.keyPrefix}${name}:`;
  }

  /** Registers something to close at cleanup if the figure did not close it itself. */
  track(close: () => Promise<void>): () => Promise<void> {
    if (this.closed) {
      void close().catch(() => undefined);
      throw new Error("the benchmark run is over");
    }
    let done = false;
    const once = async () => {
      if (done) return;
      done = true;
      this.closers.delete(once);
      await close();
    };
    this.closers.add(once);
    return once;
  }

  redis(): Redis {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    redis.on("error", () => undefined);
    this.track(async () => void (await redis.quit().catch(() => redis.disconnect())));
    return redis;
  }

  pool(schema: string | null, max = 10): pg.Pool {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max,
      ...(schema && { options: `-c search_path=${schema}` }),
      application_name: "bench",
    });
    pool.on("error", () => undefined);
    this.track(() => pool.end().catch(() => undefined));
    return pool;
  }

  /** An event store of its own (no projector, no gateway) on a fresh schema. */
  async store(name: string): Promise<{ store: EventStore; schema: string }> {
    const schema = this.schema(name);
    const store = await openEventStore(databaseUrl, { schema });
    this.track(() => store.close());
    return { store, schema };
  }

  /**
   * Gathers planner statistics for a schema's tables, as autovacuum does on a live database: a
   * table loaded seconds ago has none, and the plans PostgreSQL picks without them differ.
   */
  async analyze(schema: string): Promise<void> {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = $1",
        [schema],
      );
      for (const { tablename } of rows) await admin.query(`ANALYZE "${schema}"."${tablename}"`);
    } finally {
      await admin.end();
    }
  }

  /** The whole service as `npm start` runs it (gateway + projector), on a free port. */
  async service(
    name: string,
    /** Settings on top of these (REDIS_CLUSTER_NODES, say). */
    env: Record<string, string> = {},
  ): Promise<{
    service: RunningService;
    url: string;
    prefix: string;
    schema: string;
    /** `authorization` header of the bench's user, a customer owning every account it opens. */
    authorization: string;
  }> {
    const schema = this.schema(name);
    const prefix = this.prefix(name);
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      EVENT_STORE_URL: databaseUrl,
      EVENT_STORE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: prefix,
      CONSUMER_NAME: `bench-${this.runId}-${name}`,
      GRAPHIQL: "false",
      // A secret of this run only, to sign the bench user's token.
      JWT_SECRET: this.jwtSecret,
      // The figures measure the service's capacity, not its throttle.
      RATE_LIMIT_MUTATIONS: "0",
      SAMPLE_DATA: "false",
      ...env,
    });
    const service = await startService(config, silentLog);
    this.services.add(service);
    this.track(async () => {
      this.services.delete(service);
      await service.stop();
    });
    const token = await mintToken(config.auth, { sub: BENCH_USER, role: "customer", ttlSeconds: 3600 });
    return { service, url: service.url!, prefix, schema, authorization: `Bearer ${token}` };
  }

  /** Closes every connection, store and service opened so far. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.closers].map((close) => close().catch(() => undefined)));
  }

  /**
   * Closes what is open, drops every schema and deletes every key of this run: after each figure,
   * and at the end (`final`: nothing may be opened afterwards).
   */
  async cleanup(final = false): Promise<void> {
    if (final) this.closed = true;
    await this.closeAll();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ nspname: string }>(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1",
        [`bench\\_${this.runId}\\_%`],
      );
      for (const schema of new Set([...this.schemas, ...rows.map((row) => row.nspname)])) {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
      this.schemas.clear();
    } finally {
      await admin.end();
    }
    await deleteKeys(this.keyPrefix);
  }
}

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    await redis.quit();
  }
}
