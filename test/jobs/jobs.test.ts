import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { bullConnection, maintenanceQueue } from "../../jobs/queues";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "../api/support/api";
import { mutate, usd } from "../api/support/fixtures";
import { subscribeWs } from "../support/live";
import { eventually, testRedisUrl } from "../support/service";

/**
 * Background jobs on BullMQ, through the real service (ROLE=all runs the workers): the time-based
 * snapshot sweep on its schedule, jobs visible to operators with their progress, a failed job
 * keeping its error and run again on request, and every change of a job pushed live.
 */

let t: ApiService;
let admin: ApiClient;

beforeAll(async () => {
  t = await startApiService({
    RATE_LIMIT_MUTATIONS: "0",
    // Only the sweep takes snapshots here: the count and size rules are off.
    SNAPSHOT_EVERY: "0",
    SNAPSHOT_LARGER_THAN_BYTES: "0",
    SNAPSHOT_SWEEP_EVERY_MS: "700",
  });
  admin = await t.as("admin", "ops");
});
afterAll(async () => {
  await t?.stop();
});

interface JobAnswer {
  id: string;
  kind: string;
  state: string;
  attempts: number;
  error: string | null;
  progress: { done: number; stage: string } | null;
}

const jobFields = "id kind state attempts error progress { done stage }";

describe("background jobs", () => {
  it("sweeps: every aggregate changed since the last sweep gets a snapshot, on the schedule operators can see", async () => {
    await mutate(admin, "openAccount", { accountId: "swept-1", ownerId: "s", currency: "USD" });
    await mutate(admin, "deposit", { accountId: "swept-1", amount: usd("3.00") });
    await eventually(async () => {
      const snapshot = await t.service.store.readSnapshot(accountStreamId("swept-1"));
      expect(snapshot).toMatchObject({ revision: 1 });
    }, 20_000);
    // A later change is swept again.
    await mutate(admin, "deposit", { accountId: "swept-1", amount: usd("4.00") });
    await eventually(async () => {
      expect(await t.service.store.readSnapshot(accountStreamId("swept-1"))).toMatchObject({ revision: 2 });
    }, 20_000);

    const schedules = await admin.gql<{
      jobSchedules: { kind: string; everyMs: number; nextRunAt: string }[];
    }>(`{ jobSchedules { kind everyMs nextRunAt } }`);
    expect(schedules.errors).toBeUndefined();
    expect(schedules.data!.jobSchedules).toEqual([
      expect.objectContaining({ kind: "snapshot-sweep", everyMs: 700, nextRunAt: expect.any(String) }),
    ]);
    const done = await admin.gql<{ jobs: { edges: { node: JobAnswer }[] } }>(
      `{ jobs(state: COMPLETED, first: 5) { edges { node { ${jobFields} } } } }`,
    );
    expect(done.errors).toBeUndefined();
    const sweep = done.data!.jobs.edges.map((e) => e.node).find((job) => job.kind === "snapshot-sweep");
    expect(sweep).toMatchObject({ state: "COMPLETED", error: null, progress: { stage: "done" } });
  });

  it("keeps a failed job's error, runs it again on request, and pushes each change of it live", async () => {
    const queue = maintenanceQueue({ connection: bullConnection(testRedisUrl), prefix: `${t.prefix}bull` });
    try {
      const job = await queue.add("no-such-kind", { note: "a kind no worker knows" }, { attempts: 1 });
      const live = await subscribeWs<{ data: { jobUpdated: JobAnswer } }>(
        t.url,
        `subscription($id: String!) { jobUpdated(id: $id) { ${jobFields} } }`,
        { id: job.id },
        { token: await tokenFor(t.config, "admin", "ops") },
      );
      try {
        await eventually(async () => {
          const states = live.received.map((push) => push.data.jobUpdated.state);
          expect(states.at(-1)).toBe("FAILED");
        }, 20_000);
        const failed = await admin.gql<{ jobs: { edges: { node: JobAnswer }[] } }>(
          `{ jobs(state: FAILED) { edges { node { ${jobFields} } } } }`,
        );
        const node = failed.data!.jobs.edges.map((e) => e.node).find((j) => j.id === job.id)!;
        expect(node).toMatchObject({ kind: "no-such-kind", attempts: 1 });
        expect(node.error).toContain('no worker knows jobs of kind "no-such-kind"');

        // Run again: it fails again (nothing changed), with one more attempt, and the change is pushed.
        const retried = await admin.gql<{ retryJob: JobAnswer }>(
          `mutation($id: String!) { retryJob(id: $id) { id } }`,
          {
            id: job.id,
          },
        );
        expect(retried.errors).toBeUndefined();
        await eventually(async () => {
          const again = await admin.gql<{ jobs: { edges: { node: JobAnswer }[] } }>(
            `{ jobs(state: FAILED) { edges { node { ${jobFields} } } } }`,
          );
          const now = again.data!.jobs.edges.map((e) => e.node).find((j) => j.id === job.id);
          expect(now?.attempts).toBe(2);
        }, 20_000);
        expect(live.received.length).toBeGreaterThan(2);
        // Retrying a job that did not fail is refused, naming why.
        const sweeps = await admin.gql<{ jobs: { edges: { node: JobAnswer }[] } }>(
          `{ jobs(state: COMPLETED, first: 1) { edges { node { id } } } }`,
        );
        const completedId = sweeps.data!.jobs.edges[0]!.node.id;
        const refused = await admin.gql(`mutation($id: String!) { retryJob(id: $id) { id } }`, {
          id: completedId,
        });
        expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
        expect(refused.errors?.[0]?.message).toContain("only a failed job can be retried");
      } finally {
        await live.close();
      }
    } finally {
      await queue.close();
    }
  });

  it("is for admins only", async () => {
    const staff = await t.as("staff", "someone");
    const answer = await staff.gql(`{ jobs { totalCount } }`);
    expect(answer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
