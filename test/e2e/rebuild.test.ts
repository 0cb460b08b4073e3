import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandRuntime } from "../../commands/runtime";
import { formatPosition } from "../../eventstore/position";
import { ReadModelWriter } from "../../readmodels/batch-writer";
import { loadDemoData, startDemoActivity } from "../../server/demo";
import { seeded } from "../support/load";
import { cleanRebuild, readModels, viewsOnly } from "../support/rebuild";
import { testRedis } from "../support/redis-target";
import { projectionsCaughtUp, projectorsAsRun, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

describe("every read model, rebuilt from the log", () => {
  let incremental: Record<string, unknown>;

  it("is identical, key by key and field by field, to the read models built while the demo ran", async () => {
    const commands = new CommandRuntime({ store: t.service.store });
    const summary = await loadDemoData(commands, { seed: 42, scale: 0.25 });
    expect(summary.appendedEvents).toBeGreaterThan(200);
    const activity = startDemoActivity(commands, { intervalMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await activity.stop();

    await projectionsCaughtUp(t, 60_000);
    incremental = await readModels(t.service.redis, t.prefix);
    expect(Object.keys(incremental).length).toBeGreaterThan(200);
    // On the cluster, two partitions built them: their views are compared (viewsOnly).
    const compared = t.partitions > 1 ? viewsOnly : (models: Record<string, unknown>) => models;
    expect(compared(incremental)).toEqual(compared(await cleanRebuild(t.service.store, testRedis())));
  }, 180_000);

  it("does not change when the whole log is delivered twice more, and one batch again shuffled", async () => {
    const writer = new ReadModelWriter(t.service.redis);
    const random = seeded(5);
    // Each projector as it runs (on the cluster, each partition, with the events of its streams).
    for (const { projector, checkpoint: at, takes } of projectorsAsRun(t)) {
      const events = (
        await t.service.store.readAll({ filter: projector.filter, maxCount: 1_000_000 })
      ).filter(takes);
      const units = events.map((event) => ({
        position: formatPosition(event.position),
        ok: true,
        ...projector.project(event),
      }));
      const checkpoint = await t.service.redis.get(at);
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < units.length; i += 200) {
          const outcome = await writer.apply(at, checkpoint, units.slice(i, i + 200));
          expect(outcome.kind).toBe("ok");
          if (outcome.kind === "ok") expect(outcome.units.every((u) => u === "duplicate")).toBe(true);
        }
      }
      const batch = units.slice(0, 100);
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [batch[i], batch[j]] = [batch[j]!, batch[i]!];
      }
      const shuffled = await writer.apply(at, checkpoint, batch);
      expect(shuffled.kind).toBe("ok");
    }
    expect(await readModels(t.service.redis, t.prefix)).toEqual(incremental);
  }, 120_000);
});
