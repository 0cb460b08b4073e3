import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { appendMixedLoad, seeded } from "../support/load";
import { connectTarget, targetEnv } from "../../gameday/lib/redis-keys";
import { onCluster, ownRedis } from "../support/redis-target";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { caughtUp, cleanRebuild, readModels, viewsOnly } from "../support/rebuild";
import { createPostgresTestStore, testDatabaseUrl, type TestEventStore } from "../support/eventstores";

// Bounded in count and time: ~20,000 events, at least 10 kills, each test under a few minutes.
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 20_000);
const KILLS = 10;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setUp() {
  const es: TestEventStore = await createPostgresTestStore();
  cleanups.push(() => es.close());
  const redis = await ownRedis();
  cleanups.push(() => redis.stop());
  const prefix = `chaos:${randomBytes(4).toString("hex")}:`;
  let generation = 0;
  const projectorProcess = (partition?: { index: number; count: number }) =>
    new ServiceProcess({
      ...(partition && { PROJECTOR_PARTITION: `${partition.index}/${partition.count}` }),
      ROLE: "projector",
      EVENT_STORE_URL: testDatabaseUrl,
      EVENT_STORE_SCHEMA: es.schema,
      ...targetEnv(redis.target),
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: prefix,
      PROJECTOR_LEASE_MS: "1000",
      CONSUMER_NAME: `chaos-${++generation}`,
    });
  const client = connectTarget(redis.target, { maxRetriesPerRequest: null });
  client.on("error", () => undefined);
  cleanups.push(async () => void client.disconnect());
  return { es, redis, prefix, projectorProcess, client };
}

describe("a projector process killed at any instant", () => {
  // On the cluster, two projector partitions (the spread layout), either of them killed each time.
  const count = onCluster() ? 2 : 1;
  it(`ends equal, key by key, to a clean rebuild after ${KILLS}+ SIGKILLs during ${EVENTS} events (${count} partition(s))`, async () => {
    const { es, redis, prefix, projectorProcess, client } = await setUp();
    const random = seeded(7);
    const partitionOf = (index: number) => (count > 1 ? { index, count } : undefined);
    const running = Array.from({ length: count }, (_, index) => projectorProcess(partitionOf(index)));
    for (const process of running) process.start();
    cleanups.push(async () => void (await Promise.all(running.map((process) => process.kill()))));

    let loadDone = false;
    const load = appendMixedLoad(es.store, { seed: 1, events: EVENTS, tag: "k" }).finally(
      () => (loadDone = true),
    );
    let kills = 0;
    while (!loadDone || kills < KILLS) {
      await pause(200 + random() * 700);
      const victim = Math.floor(random() * count);
      await running[victim]!.kill();
      kills++;
      running[victim] = projectorProcess(partitionOf(victim));
      running[victim].start();
    }
    const appended = await load;
    expect(appended).toBeGreaterThanOrEqual(EVENTS);
    expect(kills).toBeGreaterThanOrEqual(KILLS);

    await caughtUp(es.store, client, prefix, 120_000, undefined, count);
    // Partitions keep their own checkpoints, ledgers and interleaved histories: their views are compared.
    const compared = count > 1 ? viewsOnly : (models: Record<string, unknown>) => models;
    const incremental = compared(await readModels(client, prefix));
    const rebuilt = compared(await cleanRebuild(es.store, redis.target));
    expect(Object.keys(incremental).length).toBeGreaterThan(1000);
    expect(incremental).toEqual(rebuilt);
  }, 600_000);

  // On the cluster project the cluster is shared by every suite: nothing restarts it empty.
  it.skipIf(onCluster())(
    "ends equal to a clean rebuild when Redis restarts empty once during the load",
    async () => {
      const { es, redis, prefix, projectorProcess, client } = await setUp();
      const random = seeded(11);
      let processNow = projectorProcess();
      processNow.start();
      cleanups.push(async () => void (await processNow.kill()));

      let loadDone = false;
      let appendedSoFar = 0;
      const load = appendMixedLoad(es.store, {
        seed: 2,
        events: EVENTS,
        tag: "r",
        onProgress: (n) => void (appendedSoFar = n),
      }).finally(() => (loadDone = true));
      let restarted = false;
      let kills = 0;
      while (!loadDone || kills < 3 || !restarted) {
        await pause(300 + random() * 700);
        if (!restarted && appendedSoFar > EVENTS / 3) {
          await redis.server!.kill(); // everything in it is gone
          await pause(300);
          await redis.server!.up();
          restarted = true;
          continue;
        }
        await processNow.kill();
        kills++;
        processNow = projectorProcess();
        processNow.start();
      }
      await load;
      await caughtUp(es.store, client, prefix, 120_000);
      const incremental = await readModels(client, prefix);
      const rebuilt = await cleanRebuild(es.store, redis.target);
      expect(incremental).toEqual(rebuilt);
    },
    600_000,
  );
});
