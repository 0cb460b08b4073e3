import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { accountsView } from "../../readmodels/accounts";
import { projectorGroup } from "../../projectors/runtime";
import { createPostgresTestStore, testDatabaseUrl, type TestEventStore } from "../support/eventstores";
import { PrivateRedis } from "../../gameday/lib/private-redis";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { eventually } from "../support/service";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** One deployment: a store, a Redis, and projector processes started with its settings. */
async function deployment(settings: Record<string, string>) {
  const es = await createPostgresTestStore();
  cleanups.push(() => es.close());
  const redis = await PrivateRedis.start();
  cleanups.push(() => redis.kill());
  const prefix = `lease:${randomBytes(4).toString("hex")}:`;
  const start = (name: string) => {
    const process = new ServiceProcess({
      ROLE: "projector",
      EVENT_STORE_URL: testDatabaseUrl,
      EVENT_STORE_SCHEMA: es.schema,
      REDIS_URL: redis.url,
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: prefix,
      CONSUMER_NAME: name,
      ...settings,
    });
    process.start();
    cleanups.push(async () => void (await process.kill()));
    return process;
  };
  return { es, start };
}

const owner = async (es: TestEventStore) =>
  (await es.store.getConsumerGroup(projectorGroup(accountsView.name)))?.activeConsumer ?? null;

describe("PROJECTOR_LEASE_MS and PROJECTOR_BATCH_SIZE", () => {
  it("reach the consumer groups, and a shorter lease fails over sooner than a longer one", async () => {
    const short = await deployment({ PROJECTOR_LEASE_MS: "1000", PROJECTOR_BATCH_SIZE: "50" });
    const long = await deployment({ PROJECTOR_LEASE_MS: "8000", PROJECTOR_BATCH_SIZE: "300" });
    const shortActive = short.start("short-active");
    const longActive = long.start("long-active");
    await eventually(async () => {
      expect(await owner(short.es)).toBe("short-active");
      expect(await owner(long.es)).toBe("long-active");
    }, 30_000);
    const settings = async (es: TestEventStore) =>
      (await es.store.getConsumerGroup(projectorGroup(accountsView.name)))!.settings;
    expect(await settings(short.es)).toMatchObject({ leaseTimeoutMs: 1000, batchSize: 50 });
    expect(await settings(long.es)).toMatchObject({ leaseTimeoutMs: 8000, batchSize: 300 });

    // Both active processes die at once, and a replacement starts for each: the one whose group
    // has the short lease takes over first, while the long lease still holds the other group.
    await Promise.all([shortActive.kill(), longActive.kill()]);
    short.start("short-standby");
    long.start("long-standby");
    // When each standby took its group over: the short lease first (both standbys start together,
    // so their start-up time, longer on a busy machine, cancels out).
    const tookOver: { short?: number; long?: number } = {};
    await eventually(async () => {
      tookOver.short ??= (await owner(short.es)) === "short-standby" ? Date.now() : undefined;
      tookOver.long ??= (await owner(long.es)) === "long-standby" ? Date.now() : undefined;
      expect(tookOver.short !== undefined && tookOver.long !== undefined).toBe(true);
    }, 40_000);
    expect(tookOver.short!).toBeLessThan(tookOver.long!);
  }, 90_000);
});
