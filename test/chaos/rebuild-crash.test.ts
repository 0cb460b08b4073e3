import { Job, type Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccounts } from "../../bench/lib/events";
import { openEventStore } from "../../eventstore/open";
import type { EventStore } from "../../eventstore/port";
import type { JobProgress } from "../../jobs/progress";
import { bullConnection, closeWithin, maintenanceQueue } from "../../jobs/queues";
import { RebuildRequests } from "../../jobs/rebuild-requests";
import { ViewGenerations } from "../../readmodels/generations";
import { readModelKeys } from "../../readmodels/keys";
import { viewNames } from "../../readmodels/registry";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { cleanRebuild, readModels } from "../support/rebuild";
import { dropTestData, eventually, testDatabaseUrl, testRedisUrl, testServiceEnv } from "../support/service";

/**
 * A worker process SIGKILLed half-way through a rebuild: BullMQ finds the job stalled (its lock
 * lapsed), another worker process takes it and goes on from the rebuild's own checkpoint (progress
 * never falls back to the start), and the view it switches to equals a clean build of the log.
 */

const EVENTS = 60_000;

const { id, schema, prefix, env } = testServiceEnv();
const keys = readModelKeys(prefix);
let store: EventStore;
let redis: Redis;
let queue: Queue;
const workers: ServiceProcess[] = [];

function worker(name: string): ServiceProcess {
  const process = new ServiceProcess({
    ...env,
    ROLE: "worker",
    CONSUMER_NAME: `${name}-${id}`,
    // A dead worker's job is taken over within seconds, not the default half minute.
    JOB_LOCK_MS: "1500",
    REBUILD_PAGE_SIZE: "500",
    REBUILD_RETIRE_AFTER_MS: "200",
    SNAPSHOT_SWEEP_EVERY_MS: "0",
  });
  workers.push(process);
  process.start();
  return process;
}

beforeAll(async () => {
  store = await openEventStore(testDatabaseUrl, { schema });
  redis = new Redis(testRedisUrl);
  queue = maintenanceQueue({ connection: bullConnection(testRedisUrl), prefix: keys.queuePrefix() });
  await seedAccounts(store, { prefix: "crash-", streams: 300, total: EVENTS });
}, 120_000);

afterAll(async () => {
  for (const process of workers) await process.kill();
  await closeWithin(queue, 2_000);
  await store?.close();
  await redis?.quit();
  await dropTestData(schema, prefix);
});

describe("a worker killed in the middle of a rebuild", () => {
  it("is replaced by another that resumes from the rebuild's checkpoint and ends equal to a clean build", async () => {
    const first = worker("first");
    const { jobId } = await new RebuildRequests(queue, redis, keys, viewNames).start("accounts");
    const progressOf = async () => {
      const job = await Job.fromId(queue, jobId);
      return job?.progress && typeof job.progress === "object" ? (job.progress as JobProgress) : null;
    };

    // Half-way (a third of the log or more, well before the end): SIGKILL.
    const before = await eventually(async () => {
      const progress = await progressOf();
      expect(progress?.done ?? 0).toBeGreaterThanOrEqual(EVENTS / 3);
      return progress!;
    }, 120_000);
    expect(before.done).toBeLessThan(EVENTS);
    await first.kill();

    worker("second");
    const seen: number[] = [];
    const result = await eventually(async () => {
      const job = await Job.fromId(queue, jobId);
      const progress = await progressOf();
      if (progress) seen.push(progress.done);
      expect(await job?.getState()).toBe("completed");
      return job!.returnvalue as { outcome: string; generation: number };
    }, 180_000);

    expect(result).toMatchObject({ outcome: "switched", generation: 1 });
    // Never back to the start: the second worker went on from where the first had written.
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(before.done);
    expect(await new ViewGenerations(redis, keys).read("accounts")).toMatchObject({
      live: 1,
      building: null,
    });

    const rebuilt = await readModels(redis, keys.generationPrefix("accounts", 1));
    const clean = await cleanRebuild(store, testRedisUrl, ["accounts"]);
    expect(Object.keys(rebuilt).length).toBeGreaterThan(300);
    expect(rebuilt).toEqual(clean);
  }, 360_000);
});
