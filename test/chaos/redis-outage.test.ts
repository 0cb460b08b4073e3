import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { accountsProjector } from "../../readmodels/accounts";
import { projectorGroup } from "../../projectors/parking";
import { ProjectorRunner } from "../../projectors/runtime";
import { readModelKeys } from "../../readmodels/keys";
import { recordingLog } from "../api/support/api";
import { createPostgresTestStore, testDatabaseUrl } from "../support/eventstores";
import { PrivateRedis } from "../../gameday/lib/private-redis";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { eventually } from "../support/service";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const opened = (id: string) => ({
  id: randomUUID(),
  type: "AccountOpened",
  data: { accountId: id, ownerId: "x", currency: "USD", openedAt: "2026-01-01T00:00:00.000Z" },
});

/** Resolves with what `work` gave, or "hung" when it did not finish within `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<T | "hung"> {
  return Promise.race([
    work,
    new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), ms).unref()),
  ]);
}

describe("a projector while Redis is away", () => {
  it("stops when asked, without waiting for Redis, and logs the outage once", async () => {
    const es = await createPostgresTestStore();
    cleanups.push(() => es.close());
    const redisServer = await PrivateRedis.start();
    cleanups.push(() => redisServer.kill());
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    redis.on("error", () => undefined);
    cleanups.push(async () => void redis.disconnect());
    const log = recordingLog();
    const keys = readModelKeys(`outage:${randomBytes(3).toString("hex")}:`);
    const runner = new ProjectorRunner({
      store: es.store,
      redis,
      keys,
      projector: accountsProjector(keys),
      consumerName: "outage",
      log,
      redisRetryMs: 50,
      reportEveryMs: 100,
    });
    await runner.start();
    await es.store.appendToStream(accountStreamId("a"), [opened("a")]);
    await eventually(async () => expect(runner.position).not.toBeNull());

    await redisServer.kill();
    await es.store.appendToStream(accountStreamId("b"), [opened("b")]);
    // The batch for "b" waits for Redis, retrying...
    await eventually(async () =>
      expect(log.lines.some((line) => line.message.startsWith("could not write the batch to Redis"))).toBe(
        true,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    // ...logged once for the outage, not once per attempt.
    expect(log.lines.filter((line) => line.message.startsWith("could not write the batch")).length).toBe(1);
    // And a stop does not wait for Redis to come back.
    expect(await within(runner.stop(), 5_000)).not.toBe("hung");
    expect(runner.status).toBe("stopped");
  });

  it("a projector process exits on SIGTERM within its grace period with Redis gone, and says why it rebuilds when Redis comes back empty", async () => {
    const es = await createPostgresTestStore();
    cleanups.push(() => es.close());
    const redisServer = await PrivateRedis.start();
    cleanups.push(() => redisServer.kill());
    const logFile = join(tmpdir(), `ledgerline-outage-${randomBytes(4).toString("hex")}.log`);
    cleanups.push(async () => rmSync(logFile, { force: true }));
    const prefix = `outage:${randomBytes(3).toString("hex")}:`;
    const env = {
      ROLE: "projector",
      EVENT_STORE_URL: testDatabaseUrl,
      EVENT_STORE_SCHEMA: es.schema,
      REDIS_URL: redisServer.url,
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: prefix,
      CONSUMER_NAME: "outage-process",
      LOG_LEVEL: "info",
      SHUTDOWN_GRACE_MS: "8000",
    };
    const keys = readModelKeys(prefix);
    const client = new Redis(redisServer.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on("error", () => undefined);
    cleanups.push(async () => void client.disconnect());
    const logged = () => {
      try {
        return readFileSync(logFile, "utf8");
      } catch {
        return "";
      }
    };

    const first = new ServiceProcess(env, logFile);
    first.start();
    cleanups.push(async () => void (await first.kill()));
    await es.store.appendToStream(accountStreamId("p1"), [opened("p1")]);
    await eventually(async () => expect(await client.hget(keys.account("p1"), "revision")).toBe("0"), 20_000);
    // A running process loses Redis (not one still starting its projectors: the first can apply an
    // event before the last has started).
    await eventually(async () => expect(logged()).toContain("ledgerline started"), 20_000);
    // And one that has settled p1 in the store too (the ack follows the Redis write): only then does
    // the store remember more than an empty Redis will, which is what the next process must notice.
    await eventually(async () => {
      const group = await es.store.getConsumerGroup(projectorGroup("accounts"));
      expect(group?.checkpoint ?? null).not.toBeNull();
    }, 20_000);

    await redisServer.kill();
    await es.store.appendToStream(accountStreamId("p2"), [opened("p2")]);
    await eventually(async () => expect(logged()).toContain("redis connection lost"), 10_000);
    const code = await within(first.terminate(), 12_000);
    expect(code).not.toBe("hung");
    expect(logged()).toContain("stopped cleanly");
    expect(code).toBe(0);

    // Redis back, empty: the next process says it rebuilds, and does.
    await redisServer.up();
    const second = new ServiceProcess(env, logFile);
    second.start();
    cleanups.push(async () => void (await second.kill()));
    await eventually(async () => expect(await client.hget(keys.account("p2"), "revision")).toBe("0"), 20_000);
    await eventually(
      async () => expect(logged()).toContain("read model checkpoint missing in Redis"),
      10_000,
    );
    expect(await client.hget(keys.account("p1"), "revision")).toBe("0");
    await second.terminate();
  });
});
