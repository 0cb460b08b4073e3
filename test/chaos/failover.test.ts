import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { comparePositions, parsePosition } from "../../eventstore/position";
import { allProjectors } from "../../projectors/registry";
import { projectorGroup } from "../../projectors/runtime";
import { readModelKeys } from "../../readmodels/keys";
import { createPostgresTestStore, testDatabaseUrl } from "../support/eventstores";
import { appendMixedLoad } from "../support/load";
import { PrivateRedis } from "../../gameday/lib/private-redis";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { caughtUp, cleanRebuild, readModels } from "../support/rebuild";
import { eventually } from "../support/service";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function setUp() {
  const es = await createPostgresTestStore();
  cleanups.push(() => es.close());
  const redis = await PrivateRedis.start();
  cleanups.push(() => redis.kill());
  const prefix = `failover:${randomBytes(4).toString("hex")}:`;
  const start = (name: string) => {
    const process = new ServiceProcess({
      ROLE: "projector",
      EVENT_STORE_URL: testDatabaseUrl,
      EVENT_STORE_SCHEMA: es.schema,
      REDIS_URL: redis.url,
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: prefix,
      PROJECTOR_LEASE_MS: "1500",
      CONSUMER_NAME: name,
    });
    process.start();
    cleanups.push(async () => void (await process.kill()));
    return process;
  };
  const client = new Redis(redis.url);
  cleanups.push(async () => void client.disconnect());
  return { es, redis, prefix, start, client };
}

describe("two projector processes for one group", () => {
  it("keeps one active and one standing by; when the active one dies the other takes over, nothing lost or doubled", async () => {
    const { es, redis, prefix, start, client } = await setUp();
    const first = start("first");
    await appendMixedLoad(es.store, { seed: 3, events: 2_000, tag: "f1" });
    await caughtUp(es.store, client, prefix);
    const second = start("second");

    const accounts = projectorGroup(allProjectors(readModelKeys(prefix))[0]!.name);
    await eventually(async () => {
      const group = await es.store.getConsumerGroup(accounts);
      expect(group?.activeConsumer).toBe("first");
    });

    const load = appendMixedLoad(es.store, { seed: 4, events: 4_000, tag: "f2" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.kill();
    await load;
    await eventually(async () => {
      const group = await es.store.getConsumerGroup(accounts);
      expect(group?.activeConsumer).toBe("second");
    }, 15_000);
    await caughtUp(es.store, client, prefix);
    expect(second.running).toBe(true);
    expect(await readModels(client, prefix)).toEqual(await cleanRebuild(es.store, redis.url));
  }, 300_000);

  it("stops on SIGTERM after the batch in hand, with its checkpoint stored, and exits 0", async () => {
    const { es, prefix, start, client } = await setUp();
    const process = start("graceful");
    await appendMixedLoad(es.store, { seed: 5, events: 1_000, tag: "g" });
    await caughtUp(es.store, client, prefix);
    const load = appendMixedLoad(es.store, { seed: 6, events: 1_000, tag: "g2" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await process.terminate()).toBe(0);
    await load;
    // What it stored is consistent: the store's checkpoint never passes Redis's (Redis is written first).
    const keys = readModelKeys(prefix);
    for (const projector of allProjectors(keys)) {
      const group = await es.store.getConsumerGroup(projectorGroup(projector.name));
      const inRedis = await client.get(keys.checkpoint(projector.name));
      // A group may pass events its view does not take (the transfers view in this load) with
      // nothing ever written to Redis; one that passed an event its view takes has a checkpoint.
      const [firstTaken] = await es.store.readAll({ maxCount: 1, filter: projector.filter });
      const tookSome =
        firstTaken !== undefined &&
        group?.checkpoint != null &&
        comparePositions(firstTaken.position, group.checkpoint) <= 0;
      if (group?.checkpoint && tookSome) {
        expect(inRedis, projector.name).not.toBeNull();
        expect(
          comparePositions(parsePosition(inRedis!), group.checkpoint),
          projector.name,
        ).toBeGreaterThanOrEqual(0);
      }
      expect(group?.activeConsumer ?? null, `${projector.name} released its group`).toBeNull();
    }
  }, 120_000);
});
