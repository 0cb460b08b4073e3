import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeys } from "../../gameday/lib/redis-keys";
import { ProcessDispatcher, reactionJobId, type ProcessJobData } from "../../jobs/processes/dispatcher";
import type { ProcessManager } from "../../jobs/processes/process";
import { bullConnection, processQueue } from "../../jobs/queues";
import { silentLog } from "../../projectors/log";
import { readModelKeys } from "../../readmodels/keys";
import { createPostgresTestStore, type TestEventStore } from "../support/eventstores";
import { eventually, testRedisUrl } from "../support/service";

/**
 * Reactions wait in Redis until a worker runs them. When Redis comes back empty, the ones handed
 * over but not yet run are gone; the dispatcher notices (its marker is gone too) and hands every
 * reaction over again. No worker runs here: the queue shows what was handed over.
 */

const pings: ProcessManager = {
  name: "pings",
  filter: { eventTypes: ["Ping"] },
  reactsTo: () => true,
  react: async () => "pong",
};

let es: TestEventStore;
let redis: Redis;
const prefix = `reactions:${randomBytes(4).toString("hex")}:`;
const queue = processQueue<ProcessJobData>({
  connection: bullConnection(testRedisUrl),
  prefix: readModelKeys(prefix).queuePrefix(),
});
let dispatcher: ProcessDispatcher;

beforeAll(async () => {
  es = await createPostgresTestStore();
  redis = new Redis(testRedisUrl);
  dispatcher = new ProcessDispatcher({
    store: es.store,
    queue,
    redis,
    processes: [pings],
    consumerName: "test",
    log: silentLog,
    retryMs: 100,
  });
});
afterAll(async () => {
  await dispatcher?.stop();
  await queue.close();
  await deleteKeys(prefix);
  redis?.disconnect();
  await es?.close();
});

async function ping(stream: string): Promise<string> {
  const id = randomUUID();
  await es.store.appendToStream(stream, [{ id, type: "Ping", data: {}, metadata: {}, schemaVersion: 1 }]);
  return id;
}

async function queued(): Promise<string[]> {
  const jobs = await queue.getJobs(["waiting", "prioritized", "delayed", "active"]);
  return jobs.map((job) => String(job.id)).sort();
}

describe("the process dispatcher, when Redis comes back empty", () => {
  it("hands every reaction over again (the lost ones would otherwise never run)", async () => {
    const first = [await ping("ping-1"), await ping("ping-2"), await ping("ping-1")];
    await dispatcher.start();
    const jobIds = (ids: string[]) => ids.map((id) => reactionJobId(pings.name, id)).sort();
    await eventually(async () => expect(await queued()).toEqual(jobIds(first)), 15_000);

    await deleteKeys(prefix); // the queue, its jobs and the marker: a Redis restarted empty
    expect(await queued()).toEqual([]);
    const later = await ping("ping-3");

    await eventually(async () => expect(await queued()).toEqual(jobIds([...first, later])), 15_000);
  });
});
