import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { accountsProjector } from "../../readmodels/accounts";
import { ProjectorRunner } from "../../projectors/runtime";
import { LogCountedLag } from "../../projectors/silent-lag";
import { ProjectorStateStore } from "../../readmodels/projector-state";
import { eventually } from "../support/service";
import { storeAndRedis } from "../support/store-and-redis";

const t = storeAndRedis();
const keys = t.keys;

function accountOpened(accountId: string) {
  return {
    id: randomUUID(),
    type: "AccountOpened",
    data: { accountId, ownerId: "x", currency: "USD", openedAt: "2026-01-01T00:00:00.000Z" },
  };
}

async function openAccounts(...ids: string[]): Promise<void> {
  for (const id of ids) await t.store.appendToStream(accountStreamId(id), [accountOpened(id)]);
}

/**
 * A projector that no longer reports (stopped cleanly, or killed) leaves its last report behind,
 * lag and all. Whoever reads its state counts what was appended since that report, so `/ready`,
 * the metrics and every view's `meta` show the backlog growing while nothing applies it.
 */
describe("the lag of a projector that stopped reporting", () => {
  it("counts the events it takes appended since its last report, stopped or silent, and only those", async () => {
    const projector = accountsProjector(keys);
    const runner = new ProjectorRunner({
      store: t.store,
      redis: t.redis,
      keys,
      projector,
      consumerName: "silent-lag-test",
      reportEveryMs: 100,
    });
    const plain = new ProjectorStateStore(t.redis, keys);
    const counting = new ProjectorStateStore(
      t.redis,
      keys,
      1,
      new LogCountedLag(t.store, new Map([[projector.name, projector.filter]]), 0),
    );
    await runner.start();
    await openAccounts("q1", "q2");
    await eventually(async () => {
      const state = await plain.read("accounts", new Date());
      expect(state.status).toBe("live");
      expect(state.checkpoint).not.toBeNull();
    }, 15_000);
    await runner.stop();
    expect((await plain.read("accounts", new Date())).status).toBe("stopped");

    // Three events it takes, one it does not.
    await openAccounts("q3", "q4", "q5");
    await t.store.appendToStream("order-q6", [{ id: randomUUID(), type: "OrderPlaced", data: {} }]);

    const stopped = await counting.read("accounts", new Date());
    expect(stopped.status).toBe("stopped");
    expect(stopped.lagEvents).toBe(3);
    // Without a count the report's own number stands: what the gateway showed before.
    expect((await plain.read("accounts", new Date())).lagEvents).toBe(0);

    // Killed instead (its last report says live, and it is older than it may be trusted).
    await t.redis.hset(keys.projectorState("accounts"), "status", "live");
    const later = new Date(Date.now() + 60_000);
    const silent = await counting.read("accounts", later);
    expect(silent.status).toBe("stalled");
    expect(silent.lagEvents).toBe(3);
    await openAccounts("q7");
    expect((await counting.read("accounts", later)).lagEvents).toBe(4);

    // Still trusted and live: its report is the truth, and nothing is counted.
    expect((await counting.read("accounts", new Date())).lagEvents).toBe(0);
  });
});
