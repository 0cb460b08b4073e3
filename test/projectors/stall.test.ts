import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { accountsProjector } from "../../projectors/accounts";
import type { Projector } from "../../projectors/projector";
import { ProjectorRunner } from "../../projectors/runtime";
import { readModelKeys } from "../../readmodels/keys";
import { ProjectorStateStore } from "../../readmodels/projector-state";
import { prometheusText } from "../../server/operations";
import { createPostgresTestStore, type TestEventStore } from "../support/eventstores";
import { deleteKeys, testRedisUrl } from "../support/redis";
import { eventually } from "../support/service";

const prefix = `test:${randomBytes(6).toString("hex")}:`;
const keys = readModelKeys(prefix);
let es: TestEventStore;
let redis: Redis;

beforeAll(async () => {
  es = await createPostgresTestStore();
  redis = new Redis(testRedisUrl);
});
afterAll(async () => {
  await es?.close();
  await deleteKeys(prefix);
  await redis?.quit();
});

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
      store: es.store,
      redis,
      keys,
      projector: stuck,
      consumerName: "stall-test",
      groupSettings: { maxRetryCount: 1_000_000 },
      retryBackoffMs: 20,
      reportEveryMs: 100,
      stallAfterMs: 500,
    });
    await runner.start();
    const states = new ProjectorStateStore(redis, keys);
    try {
      await es.store.appendToStream(accountStreamId("s1"), [
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
      expect(prometheusText([state])).toContain(
        'ledgerline_projector_status{projector="accounts",status="stalled"} 1',
      );
    } finally {
      await runner.stop();
    }
    // A runner that stops reporting altogether is shown stalled too (by age of its last report).
    const later = new Date(Date.now() + 60_000);
    await redis.hset(keys.projectorState("accounts"), "status", "live");
    expect((await states.read("accounts", later)).status).toBe("stalled");
  });
});
