import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { loadConfig } from "../../server/config";
import { startService, type RunningService } from "../../server/services";
import { silentLog } from "../../projectors/log";

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestService {
  readonly service: RunningService;
  readonly url: string;
  readonly prefix: string;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GqlResponse<T>>;
  stop(): Promise<void>;
}

export interface GqlResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * The whole service, as `npm start` runs it, on a free port, against real Redis and PostgreSQL:
 * its own PostgreSQL schema and its own Redis key prefix, so test files can run in parallel.
 */
export async function startTestService(env: Record<string, string> = {}): Promise<TestService> {
  const id = randomBytes(6).toString("hex");
  const schema = `t_${id}`;
  const prefix = `test:${id}:`;
  const config = loadConfig({
    PORT: "0",
    EVENT_STORE_URL: testDatabaseUrl,
    EVENT_STORE_SCHEMA: schema,
    REDIS_URL: testRedisUrl,
    REDIS_AUTOSTART: "false",
    REDIS_PREFIX: prefix,
    CONSUMER_NAME: `test-${id}`,
    ...env,
  });
  const service = await startService(config, silentLog);
  const url = service.url!;
  let stopped = false;
  return {
    service,
    url,
    prefix,
    async gql(query, variables) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GqlResponse<never>;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await service.stop();
      await dropTestData(schema, prefix);
    },
  };
}

export async function dropTestData(schema: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  await deleteKeys(prefix);
}

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(testRedisUrl);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
}

/** Every key under a prefix with its full content, for "the view equals a replay" comparisons. */
export async function dumpKeys(
  redis: Redis,
  prefix: string,
  exclude: RegExp[] = [],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = "0";
  const keys: string[] = [];
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  for (const key of keys.sort()) {
    if (exclude.some((pattern) => pattern.test(key))) continue;
    const type = await redis.type(key);
    if (type === "hash") out[key] = await redis.hgetall(key);
    else if (type === "zset") out[key] = await redis.zrange(key, 0, -1, "WITHSCORES");
    else if (type === "set") out[key] = (await redis.smembers(key)).sort();
    else if (type === "list") out[key] = await redis.lrange(key, 0, -1);
    else if (type === "string") out[key] = await redis.get(key);
    else if (type === "stream") out[key] = await redis.xrange(key, "-", "+");
  }
  return out;
}

/** Polls until `check` passes or the deadline; the last failure is rethrown. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
