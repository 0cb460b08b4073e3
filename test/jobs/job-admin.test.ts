import { randomUUID } from "node:crypto";
import { Worker, type Job, type Queue } from "bullmq";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bullConnection, maintenanceQueue, queueNames } from "../../jobs/queues";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "../api/support/api";
import { eventually, testRedisUrl } from "../support/service";

/**
 * The operators' view of the jobs, through the real service as a gateway alone (ROLE=gateway: no
 * worker takes the jobs). The test moves jobs between states itself, as a worker would (BullMQ's
 * manual processing), so each job's state is known: the `jobs` list pages through jobs of every
 * state newest first, each job once; `jobUpdated(id)` pushes each change once and ends after the
 * job completes or fails; `attempts` counts the attempt that is running.
 */

let t: ApiService;
let admin: ApiClient;
let queue: Queue;
let worker: Worker;
const token = "the-test-worker";

beforeAll(async () => {
  t = await startApiService({ ROLE: "gateway", RATE_LIMIT_MUTATIONS: "0" });
  admin = await t.as("admin", "ops");
  const bull = { connection: bullConnection(testRedisUrl), prefix: `${t.prefix}bull` };
  queue = maintenanceQueue(bull);
  // A worker that runs nothing by itself: the test takes each job and ends it.
  worker = new Worker(queueNames.maintenance, null, { ...bull, autorun: false });
});
afterEach(async () => {
  await queue?.obliterate({ force: true });
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await t?.stop();
});

/** The oldest waiting job, now active (held by the test worker). */
async function take(): Promise<Job> {
  const job = await worker.getNextJob(token, { block: false });
  if (!job) throw new Error("no job was waiting");
  return job;
}

interface Page {
  ids: string[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

async function page(args: string): Promise<Page> {
  const answer = await admin.gql<{
    jobs: {
      totalCount: number;
      edges: { node: { id: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(`{ jobs(${args}) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`);
  expect(answer.errors).toBeUndefined();
  const { totalCount, edges, pageInfo } = answer.data!.jobs;
  return { ids: edges.map((e) => e.node.id), totalCount, ...pageInfo };
}

/** Every page of `first` jobs (of `state`, or all), following each page's end cursor. */
async function allPages(first: number, state?: string): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | null = null;
  for (;;) {
    const filter = state ? `state: ${state}, ` : "";
    const next = await page(`${filter}first: ${first}${after ? `, after: "${after}"` : ""}`);
    pages.push(next.ids);
    if (!next.hasNextPage) return pages;
    after = next.endCursor;
    if (pages.length > 20) throw new Error("the pages do not end");
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Pushed {
  id: string;
  state: string;
  attempts: number;
  progress: { done: number } | null;
}

/** A `jobUpdated` subscription over WebSocket: what it pushed, and whether the server ended it. */
async function followJob(id: string) {
  const client = createClient({
    url: t.url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${await tokenFor(t.config, "admin", "ops")}` },
    retryAttempts: 0,
  });
  const received: Pushed[] = [];
  let ended = false;
  let failure: unknown = null;
  client.subscribe<{ jobUpdated: Pushed }>(
    {
      query: `subscription($id: String!) { jobUpdated(id: $id) { id state attempts progress { done } } }`,
      variables: { id },
    },
    {
      next: (value) => void received.push(value.data!.jobUpdated),
      error: (error) => (failure = error),
      complete: () => (ended = true),
    },
  );
  return {
    received,
    states: () => received.map((push) => push.state),
    ended: () => {
      if (failure) throw failure;
      return ended;
    },
    close: () => client.dispose(),
  };
}

describe("the jobs as operators see them", () => {
  it("pages through jobs of every state newest first, each job once, `first` per page", async () => {
    const createdAt = Date.now() - 60_000;
    const add = (n: number, delay = 0) =>
      queue.add(
        "listed",
        { n },
        { jobId: `listed-${n}`, timestamp: createdAt + n * 1_000, attempts: 1, ...(delay && { delay }) },
      );
    for (const n of [1, 2, 3, 4, 5, 6]) await add(n);
    // The oldest ones run first: 1 completes, 2 fails, 3 completes, 4 is running; 5 and 6 wait.
    await (await take()).moveToCompleted("done", token, false);
    await (await take()).moveToFailed(new Error("it broke"), token, false);
    await (await take()).moveToCompleted("done", token, false);
    expect((await take()).id).toBe("listed-4");
    // The newest is due in an hour.
    await add(7, 3_600_000);
    const states = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => queue.getJobState(`listed-${n}`)));
    expect(states).toEqual(["completed", "failed", "completed", "active", "waiting", "waiting", "delayed"]);

    const newestFirst = [7, 6, 5, 4, 3, 2, 1].map((n) => `listed-${n}`);
    expect(await page("first: 1")).toEqual({
      ids: ["listed-7"],
      totalCount: 7,
      hasNextPage: true,
      endCursor: expect.any(String),
    });
    for (const first of [1, 2, 3]) {
      const pages = await allPages(first);
      expect(pages, `pages of ${first}`).toEqual(chunks(newestFirst, first));
      expect(pages.flat()).toEqual(newestFirst);
    }
    expect((await page("first: 100")).ids).toEqual(newestFirst);
    // One state: the same.
    expect(await allPages(1, "COMPLETED")).toEqual([["listed-3"], ["listed-1"]]);
    expect(await allPages(1, "WAITING")).toEqual([["listed-6"], ["listed-5"]]);
    // After the last job: an empty page.
    const last = await page("first: 7");
    expect((await page(`first: 2, after: "${last.endCursor}"`)).ids).toEqual([]);
  });

  it("counts the running attempt: an active job has made one", async () => {
    await queue.add("counted", {}, { jobId: "counted", attempts: 1 });
    const attempts = async () => {
      const answer = await admin.gql<{ job: { state: string; attempts: number } }>(
        `{ job(id: "counted") { state attempts } }`,
      );
      expect(answer.errors).toBeUndefined();
      return answer.data!.job;
    };
    expect(await attempts()).toEqual({ state: "WAITING", attempts: 0 });
    const job = await take();
    expect(await attempts()).toEqual({ state: "ACTIVE", attempts: 1 });
    await job.moveToCompleted("done", token, false);
    expect(await attempts()).toEqual({ state: "COMPLETED", attempts: 1 });
  });

  it("pushes each change of a job once and ends the subscription after it completes", async () => {
    const id = `followed-${randomUUID()}`;
    await queue.add("followed", {}, { jobId: id, attempts: 1 });
    const live = await followJob(id);
    try {
      await eventually(async () => expect(live.states()).toEqual(["WAITING"]));
      const job = await take();
      await eventually(async () => expect(live.states()).toEqual(["WAITING", "ACTIVE"]));
      // Progress, and the end right after it: the job is read for the one while the other comes.
      for (let done = 1; done <= 20; done++) await job.updateProgress({ done, total: 20, stage: "x" });
      await job.moveToCompleted("done", token, false);
      await eventually(async () => expect(live.ended()).toBe(true));

      const states = live.states();
      expect(states.filter((s) => s === "COMPLETED")).toEqual(["COMPLETED"]);
      expect(states.at(-1)).toBe("COMPLETED");
      // No push repeats the one before it.
      live.received.forEach((push, i) => expect(push).not.toEqual(live.received[i - 1]));
    } finally {
      await live.close();
    }
  });

  it("pushes a failure once and follows on (retryJob may run the job again); a job followed once completed ends at once", async () => {
    const id = `failing-${randomUUID()}`;
    await queue.add("failing", {}, { jobId: id, attempts: 1 });
    const live = await followJob(id);
    try {
      await eventually(async () => expect(live.states()).toEqual(["WAITING"]));
      await (await take()).moveToFailed(new Error("it broke"), token, false);
      await eventually(async () => expect(live.states().at(-1)).toBe("FAILED"));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(live.states().filter((s) => s === "FAILED")).toEqual(["FAILED"]);
      expect(live.ended()).toBe(false);
    } finally {
      await live.close();
    }
    // Followed once it has completed: that state, and the end.
    const doneId = `done-${randomUUID()}`;
    await queue.add("done", {}, { jobId: doneId });
    await (await take()).moveToCompleted("done", token, false);
    const late = await followJob(doneId);
    try {
      await eventually(async () => expect(late.ended()).toBe(true));
      expect(late.received).toEqual([{ id: doneId, state: "COMPLETED", attempts: 1, progress: null }]);
    } finally {
      await late.close();
    }
  });
});
