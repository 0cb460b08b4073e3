import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import type { Log } from "../projectors/log";

export class RedisUnavailable extends Error {
  constructor(url: string) {
    super(
      `Redis is not reachable at ${url}. Start one (e.g. "redis-server --port 6379"), ` +
        `install it (e.g. "apt-get install redis-server") so the service can start a private one, ` +
        `or set REDIS_URL to a reachable server.`,
    );
    this.name = "RedisUnavailable";
  }
}

export interface RedisHandle {
  readonly url: string;
  /** The private redis-server this process started, if any. */
  readonly child: ChildProcess | null;
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
 */
export async function obtainRedis(options: {
  url: string;
  autostart: boolean;
  dataDir: string;
  log: Log;
}): Promise<RedisHandle> {
  if (await answers(options.url)) return { url: options.url, child: null };
  const hasServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
  if (!options.autostart || !hasServer) throw new RedisUnavailable(options.url);
  const dir = resolve(options.dataDir, "redis");
  mkdirSync(dir, { recursive: true });
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
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await answers(url)) {
      options.log.info({ url, dir }, "started a private redis-server (REDIS_URL did not answer)");
      return { url, child };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new RedisUnavailable(options.url);
}

/**
 * BullMQ and the read models both need every key kept. A view is applied exactly once per event by
 * comparing the event's revision with the one stored beside the view, and the projector's
 * checkpoint lives in Redis too: an evicted key would make events apply twice or views go missing
 * without any error.
 */
export async function checkEvictionPolicy(redis: Redis): Promise<void> {
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
