import { describe, expect, it } from "vitest";
import { seedAccounts } from "../../bench/lib/events";
import { rebuildView, type RebuildOptions } from "../../jobs/rebuild";
import { ProjectorRunner } from "../../projectors/runtime";
import { accountsProjector } from "../../readmodels/accounts";
import { ViewGenerations } from "../../readmodels/generations";
import { generationKeys } from "../../readmodels/keys";
import { cleanRebuild, readModels } from "../support/rebuild";
import { eventually, testRedisUrl } from "../support/service";
import { storeAndRedis } from "../support/store-and-redis";

/**
 * The rebuild's edges, against real PostgreSQL and Redis: two runs of one rebuild at once (a worker
 * presumed dead and replaced while it still runs) end with the generation live and whole, never
 * removed by the run that lost; the switch waits while a projector has written the live view past
 * the rebuild; every running partition gets its checkpoint; an idle projector moves to the new
 * generation without waiting for an event.
 */

const t = storeAndRedis((store) => seedAccounts(store, { prefix: "safe-", streams: 50, total: 5_000 }));
const keys = t.keys;

const options = (): RebuildOptions => ({
  log: t.store,
  redis: t.redis,
  keys,
  projectorAt: (at) => accountsProjector(at),
  partitions: 1,
  pageSize: 200,
  retireAfterMs: 0,
  onProgress: () => undefined,
});

describe("a rebuild", () => {
  it("run twice at once ends live and whole; the losing run removes nothing", async () => {
    // A partition another process reports running: the switch gives it a checkpoint too.
    await t.redis.hset(keys.projectorState("accounts~1of2"), { status: "live" });
    const generations = new ViewGenerations(t.redis, keys);
    const { generation } = (await generations.begin("accounts", null))!;
    const [first, second] = await Promise.all([
      rebuildView(options(), "accounts", generation),
      rebuildView(options(), "accounts", generation),
    ]);
    expect([first.outcome, second.outcome]).toContain("switched");
    expect(await generations.read("accounts")).toMatchObject({ live: generation, building: null });

    const at = generationKeys(keys, "accounts", generation);
    const built = await readModels(t.redis, keys.generationPrefix("accounts", generation));
    const clean = await cleanRebuild(t.store, testRedisUrl, ["accounts"]);
    expect(Object.keys(built).length).toBeGreaterThan(50);
    expect(only(built, /^(account|owner):/)).toEqual(only(clean, /^(account|owner):/));
    const head = await t.redis.get(at.checkpoint("accounts"));
    expect(await t.redis.get(at.checkpoint("accounts~1of2"))).toBe(head);
    await t.redis.del(keys.projectorState("accounts~1of2"));
  }, 120_000);

  it("does not switch while a projector has written the live view past it, unless forced", async () => {
    const generations = new ViewGenerations(t.redis, keys);
    const view = "switch-test";
    const { generation } = (await generations.begin(view, null))!;
    const next = generationKeys(keys, view, generation);
    const live = generationKeys(keys, view, 0);
    await t.redis.set(next.checkpoint(view), "10:10");
    await t.redis.set(live.checkpoint(view), "12:1");
    const checkpoints = { next: [next.checkpoint(view)], live: [live.checkpoint(view)] };
    expect(await generations.switchTo(view, generation, next.checkpoint(view), checkpoints)).toBe("behind");
    expect((await generations.read(view)).live).toBe(0);
    await t.redis.set(next.checkpoint(view), "12:1");
    expect(await generations.switchTo(view, generation, next.checkpoint(view), checkpoints)).toBe(0);
    expect((await generations.read(view)).live).toBe(generation);

    const again = (await generations.begin(view, null))!;
    const newer = generationKeys(keys, view, again.generation);
    await t.redis.set(newer.checkpoint(view), "1:1");
    const behind = { next: [newer.checkpoint(view)], live: [next.checkpoint(view)] };
    expect(await generations.switchTo(view, again.generation, newer.checkpoint(view), behind, true)).toBe(
      generation,
    );
  });

  it("moves an idle projector to the new generation without waiting for an event", async () => {
    const view = "accounts";
    const runner = new ProjectorRunner({
      store: t.store,
      redis: t.redis,
      keys,
      projector: accountsProjector(keys),
      follow: { view, projectorAt: (at) => accountsProjector(at) },
      consumerName: "idle-move",
      reportEveryMs: 100,
    });
    await runner.start();
    try {
      const before = (await new ViewGenerations(t.redis, keys).read(view)).live;
      await eventually(async () => expect(runner.viewGeneration).toBe(before));
      await eventually(async () => expect(runner.status).toBe("live"), 30_000);
      const generations = new ViewGenerations(t.redis, keys);
      const { generation } = (await generations.begin(view, null))!;
      const result = await rebuildView(options(), view, generation);
      expect(result.outcome).toBe("switched");
      // No event is appended: the runner finds the switch at its next report.
      await eventually(async () => expect(runner.viewGeneration).toBe(generation), 5_000);
    } finally {
      await runner.stop();
    }
  }, 60_000);
});

function only(dump: Record<string, unknown>, pattern: RegExp): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dump).filter(([key]) => pattern.test(key)));
}
