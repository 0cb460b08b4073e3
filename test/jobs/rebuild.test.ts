import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccounts } from "../../bench/lib/events";
import { ViewGenerations } from "../../readmodels/generations";
import { keysOn } from "../../gameday/lib/redis-keys";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "../api/support/api";
import { mutate, usd } from "../api/support/fixtures";
import { subscribeWs, type LiveSubscription } from "../support/live";
import { cleanRebuild, readModels } from "../support/rebuild";
import { testRedis } from "../support/redis-target";
import { dumpKeys, eventually, projectionsCaughtUp } from "../support/service";

/**
 * Zero-downtime rebuilds, through the real service (ROLE=all runs projectors and job workers):
 * a view rebuilt from a log of 100,000+ events beside the live one while a client reads it without
 * pause and another follows one account live. Every answer comes from a complete generation, the
 * live client gets every change once and in order across the switch, and the rebuilt view equals
 * a clean build of the log key by key. A rebuild can be cancelled, and a second one at once is
 * refused.
 */

const EVENTS = 100_000;
const STREAMS = 500;

let t: ApiService;
let admin: ApiClient;
let seeded: string[];

beforeAll(async () => {
  t = await startApiService({
    RATE_LIMIT_MUTATIONS: "0",
    REBUILD_RETIRE_AFTER_MS: "1500",
    // Larger batches: the live views are built from the seeded log first (not what is tested).
    PROJECTOR_BATCH_SIZE: "1000",
    // Snapshots are beside the point here.
    SNAPSHOT_EVERY: "0",
    SNAPSHOT_LARGER_THAN_BYTES: "0",
    SNAPSHOT_SWEEP_EVERY_MS: "0",
  });
  admin = await t.as("admin", "ops");
  seeded = await seedAccounts(t.service.store, { prefix: "seed-", streams: STREAMS, total: EVENTS });
  await projectionsCaughtUp(t, 240_000);
}, 300_000);
afterAll(async () => {
  await t?.stop();
});

type Push = { data?: { accountUpdated: { position: string; account: { revision: number } } } };

interface JobAnswer {
  id: string;
  kind: string;
  state: string;
  error: string | null;
  result: { outcome: string; generation: number; replaced: number | null; keysRemoved: number } | null;
  progress: {
    done: number;
    total: number | null;
    ratePerSecond: number;
    etaSeconds: number | null;
    stage: string;
  } | null;
}
const jobFields = "id kind state error result progress { done total ratePerSecond etaSeconds stage }";

async function job(id: string): Promise<JobAnswer> {
  const answer = await admin.gql<{ jobs: { edges: { node: JobAnswer }[] } }>(
    `{ jobs(first: 100) { edges { node { ${jobFields} } } } }`,
  );
  expect(answer.errors).toBeUndefined();
  const found = answer.data!.jobs.edges.find((edge) => edge.node.id === id);
  if (!found) throw new Error(`job ${id} not listed`);
  return found.node;
}

/** The accounts view's keys (hash and history per account, owners' sets, its checkpoint). */
const accountsViewKey = /^(account:[^:]+(:history)?|owner:[^:]+:accounts|projector:accounts:checkpoint)$/;

/** A dump's keys without the view's hash tag the cluster layout starts them with ("{accounts}:"). */
function untagged(dump: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(dump).map(([key, value]) => [key.replace(/^\{[^}]*\}:/, ""), value]),
  );
}

function only(dump: Record<string, unknown>, pattern: RegExp): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dump).filter(([key]) => pattern.test(key)));
}

describe("rebuilding a view as a job", () => {
  it("builds a new generation beside the live one while it is read and followed, switches in one step and removes the old", async () => {
    const keys = keysOn(t.service.redis, t.prefix);
    // One account everybody watches, changed all through the rebuild.
    await mutate(admin, "openAccount", { accountId: "watched", ownerId: "w", currency: "USD" });
    const live: LiveSubscription<Push> = await subscribeWs(
      t.url,
      `subscription { accountUpdated(id: "watched") { position account { revision } } }`,
      {},
      { token: await tokenFor(t.config, "admin", "ops") },
    );
    await live.waitFor(1, 10_000);

    // The view as the projector built it, event by event.
    const incremental = untagged(await readModels(t.service.redis, t.prefix));
    // What every seeded account must read, whichever generation answers.
    const sample = seeded.filter((_, i) => i % 50 === 0);
    const expected = new Map<string, unknown>();
    for (const id of sample) {
      const answer = await admin.gql<{ account: unknown }>(
        `query($id: ID!) { account(id: $id) { revision balance { amount } } }`,
        { id },
      );
      expect(answer.data?.account).not.toBeNull();
      expected.set(id, answer.data!.account);
    }

    let stop = false;
    let reads = 0;
    const wrong: string[] = [];
    const reader = (async () => {
      while (!stop) {
        for (const id of sample) {
          const answer = await admin.gql<{ account: unknown }>(
            `query($id: ID!) { account(id: $id) { revision balance { amount } } }`,
            { id },
          );
          reads++;
          if (JSON.stringify(answer.data?.account) !== JSON.stringify(expected.get(id))) {
            wrong.push(`${id}: ${JSON.stringify(answer)}`);
          }
        }
      }
    })();
    let deposits = 0;
    const writer = (async () => {
      while (!stop) {
        await mutate(admin, "deposit", { accountId: "watched", amount: usd("1.00") });
        deposits++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const started = await admin.gql<{ rebuildProjection: JobAnswer }>(
      `mutation { rebuildProjection(view: "accounts") { ${jobFields} } }`,
    );
    expect(started.errors).toBeUndefined();
    const jobId = started.data!.rebuildProjection.id;
    expect(started.data!.rebuildProjection.kind).toBe("rebuild");

    // A second rebuild of the same view while this one runs is refused, naming the running job.
    const again = await admin.gql(`mutation { rebuildProjection(view: "accounts") { id } }`);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "REBUILD_ALREADY_RUNNING", jobId });
    const unknown = await admin.gql(`mutation { rebuildProjection(view: "nope") { id } }`);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "view" });

    // Still refused once it has switched and is retiring the old generation (the job runs on).
    await eventually(
      async () => expect((await job(jobId)).progress?.stage).toMatch(/^switched; removing/),
      240_000,
    );
    const whileRetiring = await admin.gql(`mutation { rebuildProjection(view: "accounts") { id } }`);
    expect(whileRetiring.errors?.[0]?.extensions).toMatchObject({ code: "REBUILD_ALREADY_RUNNING", jobId });

    // Progress only goes forward, with a total, a rate and the time left.
    const seen: number[] = [];
    const finished = await eventually(async () => {
      const now = await job(jobId);
      if (now.progress) seen.push(now.progress.done);
      expect(now.state, now.error ?? "").toBe("COMPLETED");
      return now;
    }, 240_000);
    stop = true;
    await Promise.all([reader, writer]);

    expect(finished.result).toMatchObject({ outcome: "switched", generation: 1, replaced: 0 });
    expect(finished.result!.keysRemoved).toBeGreaterThan(STREAMS);
    expect(finished.progress!.total).toBeGreaterThanOrEqual(EVENTS);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await new ViewGenerations(t.service.redis, keys).read("accounts")).toMatchObject({
      live: 1,
      building: null,
      retiring: null,
    });

    // Operators see the view on its new generation.
    await eventually(async () => {
      const meta = await admin.gql<{ projections: { projector: string; generation: number }[] }>(
        `{ projections { projector generation } }`,
      );
      expect(meta.data?.projections.find((p) => p.projector === "accounts")?.generation).toBe(1);
      expect(meta.data?.projections.find((p) => p.projector === "orders")?.generation).toBe(0);
    }, 10_000);

    // Every answer during the rebuild came whole from one generation.
    expect(reads).toBeGreaterThan(sample.length);
    expect(wrong).toEqual([]);

    // The live client got every deposit once, in order, across the switch.
    const all = await live.waitFor(deposits + 1, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const revisions = live.received.map((push) => push.data!.accountUpdated.account.revision);
    expect(revisions).toEqual(Array.from({ length: deposits + 1 }, (_, i) => i));
    expect(all.length).toBe(deposits + 1);
    await live.close();

    // The rebuilt view equals a clean build of the log, key by key; the old generation is gone.
    await projectionsCaughtUp(t, 60_000);
    const rebuilt = await readModels(t.service.redis, keys.generationPrefix("accounts", 1));
    const clean = untagged(await cleanRebuild(t.service.store, testRedis(), ["accounts"]));
    expect(only(rebuilt, accountsViewKey)).toEqual(only(clean, accountsViewKey));
    expect(Object.keys(rebuilt).filter((key) => !accountsViewKey.test(key))).toEqual([]);
    // And equals the view the projector had built incrementally before (the seeded accounts).
    const seededKey = /^(account:seed-[^:]+(:history)?|owner:bench:accounts)$/;
    expect(only(rebuilt, seededKey)).toEqual(only(incremental, seededKey));
    const oldGeneration = await dumpKeys(t.service.redis, `${keys.generationPrefix("accounts", 0)}account:`);
    expect(Object.keys(oldGeneration).filter((key) => /:account:[^:]+(:history)?$/.test(key))).toEqual([]);
    // The views that were not rebuilt are untouched.
    const untouched = untagged(await readModels(t.service.redis, t.prefix));
    const others = /^account:seed-[^:]+:(transactions|balances)$/;
    expect(only(untouched, others)).toEqual(only(incremental, others));
  }, 400_000);

  it("is cancelled on request: the live generation stays, what was built is removed", async () => {
    const keys = keysOn(t.service.redis, t.prefix);
    const started = await admin.gql<{ rebuildProjection: JobAnswer }>(
      `mutation { rebuildProjection(view: "balance-history") { id } }`,
    );
    expect(started.errors).toBeUndefined();
    const jobId = started.data!.rebuildProjection.id;
    await eventually(async () => expect((await job(jobId)).progress?.done ?? 0).toBeGreaterThan(0), 60_000);
    const cancelled = await admin.gql<{ cancelRebuild: { id: string } | null }>(
      `mutation { cancelRebuild(view: "balance-history") { id } }`,
    );
    expect(cancelled.data?.cancelRebuild?.id).toBe(jobId);
    const finished = await eventually(async () => {
      const now = await job(jobId);
      expect(now.state).toBe("COMPLETED");
      return now;
    }, 60_000);
    expect(finished.result).toMatchObject({ outcome: "cancelled" });
    expect(await new ViewGenerations(t.service.redis, keys).read("balance-history")).toMatchObject({
      live: 0,
      building: null,
    });
    expect(Object.keys(await dumpKeys(t.service.redis, keys.generationPrefix("balance-history", 1)))).toEqual(
      [],
    );
    // Nothing to cancel now.
    const none = await admin.gql<{ cancelRebuild: unknown }>(
      `mutation { cancelRebuild(view: "balance-history") { id } }`,
    );
    expect(none.data?.cancelRebuild).toBeNull();
  }, 120_000);
});
