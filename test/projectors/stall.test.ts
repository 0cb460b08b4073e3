import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { accountsProjector } from "../../readmodels/accounts";
import type { Projector } from "../../projectors/projector";
import { ProjectorRunner } from "../../projectors/runtime";
import { ProjectorStateStore } from "../../readmodels/projector-state";
import { Metrics } from "../../server/metrics";
import { eventually } from "../support/service";
import { storeAndRedis } from "../support/store-and-redis";

const t = storeAndRedis();
const keys = t.keys;

describe("a projector whose checkpoint stays flat while the log moves", () => {
  it("is reported stalled in its state, its views' freshness and the metrics, rather than failing silently", async () => {
    const real = accountsProjector(keys);
    const stuck: Projector = {
      ...real,
      project() {
        throw new Error("downstream bug");
      },
    };
    const runner = new ProjectorRunner({
      store: t.store,
      redis: t.redis,
      keys,
      projector: stuck,
      consumerName: "stall-test",
      groupSettings: { maxRetryCount: 1_000_000 },
      retryBackoffMs: 20,
      reportEveryMs: 100,
      stallAfterMs: 500,
    });
    await runner.start();
    const states = new ProjectorStateStore(t.redis, keys);
    try {
      await t.store.appendToStream(accountStreamId("s1"), [
        {
          id: randomUUID(),
          type: "AccountOpened",
          data: { accountId: "s1", ownerId: "x", currency: "USD", openedAt: "2026-01-01T00:00:00.000Z" },
        },
      ]);
      const state = await eventually(async () => {
        const current = await states.read("accounts", new Date());
        expect(current.reportedAt).not.toBe("");
        expect(current.lagEvents).toBe(1);
        expect(current.status).toBe("stalled");
        return current;
      }, 15_000);
      expect(state.checkpoint).toBeNull();
      const metrics = new Metrics({ processMetrics: false }).projectors(states, ["accounts"]);
      expect(await metrics.registry.metrics()).toContain(
        'ledgerline_projector_status{projector="accounts",status="stalled"} 1',
      );
    } finally {
      await runner.stop();
    }
    // A runner that stops reporting altogether is shown stalled too (by age of its last report).
    const later = new Date(Date.now() + 60_000);
    await t.redis.hset(keys.projectorState("accounts"), "status", "live");
    expect((await states.read("accounts", later)).status).toBe("stalled");
  });
});

describe("freshness tells the truth", () => {
  it("a stalled projector's lag counts every event waiting behind it, not the lag it had when it stalled", async () => {
    const real = accountsProjector(keys);
    const stuck: Projector = {
      ...real,
      project(event) {
        if (event.streamId === accountStreamId("jam")) throw new Error("downstream bug");
        return real.project(event);
      },
    };
    const runner = new ProjectorRunner({
      store: t.store,
      redis: t.redis,
      keys,
      projector: { ...stuck, name: "accounts-jam" },
      consumerName: "jam-test",
      groupSettings: { maxRetryCount: 1_000_000 },
      retryBackoffMs: 20,
      reportEveryMs: 100,
      stallAfterMs: 300,
    });
    await runner.start();
    const states = new ProjectorStateStore(t.redis, keys);
    const opened = (id: string) => ({
      id: randomUUID(),
      type: "AccountOpened",
      data: { accountId: id, ownerId: "x", currency: "USD", openedAt: "2026-01-01T00:00:00.000Z" },
    });
    try {
      await t.store.appendToStream(accountStreamId("jam"), [opened("jam")]);
      await eventually(async () => {
        expect(await states.read("accounts-jam", new Date())).toMatchObject({ status: "stalled" });
      }, 15_000);
      // Nine more accounts arrive behind it: the lag shown grows with them.
      for (let i = 0; i < 9; i++)
        await t.store.appendToStream(accountStreamId(`more-${i}`), [opened(`more-${i}`)]);
      await eventually(async () => {
        const state = await states.read("accounts-jam", new Date());
        expect(state.status).toBe("stalled");
        // The stuck event and the nine behind it (earlier events of this file applied).
        expect(state.lagEvents).toBe(10);
      }, 15_000);
    } finally {
      await runner.stop();
    }
  });

  it("a runner that stops reporting is no longer shown live once its report outlives its lease", async () => {
    const runner = new ProjectorRunner({
      store: t.store,
      redis: t.redis,
      keys,
      projector: { ...accountsProjector(keys), name: "accounts-lease" },
      consumerName: "lease-test",
      groupSettings: { leaseTimeoutMs: 1_500 },
      reportEveryMs: 100,
    });
    await runner.start();
    const states = new ProjectorStateStore(t.redis, keys);
    try {
      const live = await eventually(async () => {
        const state = await states.read("accounts-lease", new Date());
        expect(state.status).toBe("live");
        return state;
      }, 15_000);
      const reportedAt = Date.parse(live.reportedAt);
      // What a reader sees if nothing reports after this (the runner SIGKILLed): live within the
      // lease, stalled past it.
      await t.redis.hset(keys.projectorState("accounts-lease"), "reportedAt", live.reportedAt);
      expect((await states.read("accounts-lease", new Date(reportedAt + 1_000))).status).toBe("live");
      expect((await states.read("accounts-lease", new Date(reportedAt + 1_501))).status).toBe("stalled");
    } finally {
      await runner.stop();
    }
  });
});
