import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectTarget, keysOn, type RedisTarget } from "../../gameday/lib/redis-keys";
import { partitionName } from "../../projectors/partition";
import { viewKeys, viewTag } from "../../readmodels/keys";
import { views } from "../../readmodels/registry";
import { createPostgresTestStore } from "../support/eventstores";
import { startProjectorPartitions } from "../support/partitions";
import { appendMixedLoad } from "../support/load";
import { caughtUp, cleanRebuild, readModels, viewsOnly } from "../support/rebuild";
import { eventually } from "../support/service";
import { PrivateRedisCluster } from "../../gameday/lib/private-redis-cluster";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("a Redis Cluster resharded while two projector partitions write to it", () => {
  it("follows the slots to their new masters, and ends with views equal to a clean rebuild", async ({
    task,
  }) => {
    // A cluster of the test's own: moving slots must not disturb the other suites.
    const cluster = await PrivateRedisCluster.start(3);
    cleanups.push(() => cluster.stop());
    const target: RedisTarget = { cluster: cluster.ports.map((port) => ({ host: "127.0.0.1", port })) };
    const es = await createPostgresTestStore();
    cleanups.push(() => es.close());
    const prefix = `reshard:${randomBytes(4).toString("hex")}:`;
    // The partitions' own words, shown when the drill fails (a process that died says why there).
    const logDir = mkdtempSync(join(tmpdir(), "ledgerline-reshard-"));
    cleanups.push(async () => {
      // (The test's state is known here: hooks run after it has failed or passed.)
      if (task.result?.state === "fail") {
        for (const file of readdirSync(logDir))
          console.error(`--- ${file}\n${readFileSync(join(logDir, file), "utf8").slice(-4_000)}`);
      }
      rmSync(logDir, { recursive: true, force: true });
    });
    for (const process of startProjectorPartitions({
      schema: es.schema,
      target: target,
      prefix,
      count: 2,
      name: "reshard",
      env: { PROJECTOR_BATCH_SIZE: "50" },
      logDir,
    })) {
      cleanups.push(async () => void (await process.kill()));
    }
    const client = connectTarget(target);
    cleanups.push(async () => void client.disconnect());

    // Slots of the busiest views, each to another master, while the load is written and
    // projected: two views with one tag, and one partition's slot of two views spread over them.
    const whole = [views.inventory.name, views.topCustomers.name];
    const spread = [views.accounts.name, views.orders.name];
    const busiest = [...whole, ...spread];
    const tags = [
      ...whole.map((view) => [view, viewTag(view)]),
      ...spread.map((view, i) => [view, viewTag(view, { index: i, count: 2 })]),
    ];
    const moves = await Promise.all(
      tags.map(async ([view, tag], i) => {
        const slot = await cluster.slotOf(`x${tag}`);
        const from = await cluster.ownerOf(slot);
        const others = cluster.ports.filter((port) => port !== from);
        return { view: view!, slot, from, to: others[i % others.length]! };
      }),
    );
    // A first load, projected, so each moved view has keys of both partitions to move.
    await appendMixedLoad(es.store, { seed: 20, events: 1_000, tag: "rs0" });
    const checkpointsOf = (view: string) => {
      const at = viewKeys(keysOn(client, prefix, 2), view);
      return Promise.all([0, 1].map((index) => client.get(at.checkpoint(partitionName(view, index, 2)))));
    };
    await eventually(async () => {
      for (const view of busiest) expect(await checkpointsOf(view), view).not.toContain(null);
    }, 120_000);
    // Then the load the slots move under: appended in rounds until the last slot has moved (at
    // least 16,000 events), so every move meets partitions that are still writing.
    let moving = true;
    const load = (async () => {
      let written = 0;
      for (let round = 0; moving || written < 16_000; round++)
        written += await appendMixedLoad(es.store, {
          seed: 21 + round,
          events: 2_000,
          tag: `rs${round + 1}`,
        });
      return written;
    })();
    // Each view's batches meet its slot half-moved (ASK redirections, TRYAGAIN until the keys
    // they touch are on one side): its checkpoints advance while the slot moves.
    const advancedWhileMoving = new Map<string, boolean>();
    try {
      for (const move of moves) {
        const before = await checkpointsOf(move.view);
        await cluster.moveSlot(move.slot, move.to, { keysPerStep: 5, pauseMs: 10 });
        const after = await checkpointsOf(move.view);
        advancedWhileMoving.set(
          move.view,
          after.some((checkpoint, i) => checkpoint !== before[i]),
        );
      }
    } catch (error) {
      // The load stops before the store it writes to is closed.
      moving = false;
      await load.catch(() => undefined);
      throw error;
    }
    moving = false;
    const written = await load;
    expect(written).toBeGreaterThanOrEqual(16_000);
    for (const [view, advanced] of advancedWhileMoving)
      expect(advanced, `${view} written while its slot moved`).toBe(true);

    // Each slot is served by its new master.
    for (const move of moves) expect(await cluster.ownerOf(move.slot), move.view).toBe(move.to);

    await caughtUp(es.store, client, prefix, 120_000, undefined, 2);
    const incremental = viewsOnly(await readModels(client, prefix));
    const rebuilt = viewsOnly(await cleanRebuild(es.store, target));
    expect(Object.keys(incremental).length).toBeGreaterThan(500);
    expect(incremental).toEqual(rebuilt);
  }, 300_000);
});
