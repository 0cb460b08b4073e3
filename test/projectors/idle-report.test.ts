import { describe, expect, it } from "vitest";
import { deposited, seedAccounts, seedOrders } from "../../bench/lib/events";
import { accountStreamId } from "../../domain/banking/state";
import type { EventFilter, EventStore, Position } from "../../eventstore/port";
import { LogHead } from "../../projectors/log-head";
import { ProjectorRunner } from "../../projectors/runtime";
import { ProjectorStateStore } from "../../readmodels/projector-state";
import { allProjectors } from "../../readmodels/registry";
import { eventually } from "../support/service";
import { storeAndRedis } from "../support/store-and-redis";

/**
 * Costs that must not grow with the log or with the number of views: every projector of a process
 * reports its lag each interval, but the log's head is read once per interval for all of them; a
 * projector at the head counts nothing; one none of whose events came since it last counted (the
 * orders views while only deposits are appended) counts only what came after the head it saw
 * then, never from its checkpoint or the start of the log again.
 */

const t = storeAndRedis(async (store) => {
  await seedAccounts(store, { prefix: "idle-", streams: 20, total: 2_000 });
  await seedOrders(store, { prefix: "idle-o", orders: 25, customers: 5 });
});

/** The real store, with its head reads and lag counts recorded (every other call goes straight through). */
function counting(real: EventStore) {
  const calls = { heads: 0, counts: [] as { after: Position | null; filter?: EventFilter }[] };
  const store = new Proxy(real, {
    get(target, property, receiver) {
      if (property === "countAfter") {
        return (after: Position | null, filter?: EventFilter) => {
          calls.counts.push({ after, ...(filter && { filter }) });
          return target.countAfter(after, filter);
        };
      }
      if (property === "headPosition") {
        return () => {
          calls.heads++;
          return target.headPosition();
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as EventStore;
  return { store, calls };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the projectors' lag reports", () => {
  it("read the head once per interval for the whole process, and count nothing while nothing comes", async () => {
    const { store, calls } = counting(t.store);
    const logHead = new LogHead(store, 200);
    const projectors = allProjectors(t.keys);
    const runners = projectors.map(
      (projector) =>
        new ProjectorRunner({
          store,
          redis: t.redis,
          keys: t.keys,
          projector,
          consumerName: "idle-test",
          reportEveryMs: 100,
          logHead,
        }),
    );
    for (const runner of runners) await runner.start();
    try {
      const states = new ProjectorStateStore(t.redis, t.keys);
      await eventually(async () => {
        for (const projector of projectors) {
          expect(await states.read(projector.name, new Date())).toMatchObject({
            status: "live",
            lagEvents: 0,
          });
        }
      }, 20_000);

      // Idle: ten projectors, a report every 100 ms each, for a second.
      await pause(150);
      calls.heads = 0;
      calls.counts.length = 0;
      await pause(1_000);
      expect(calls.counts).toEqual([]);
      // One head read per 200 ms for the process (ten per 100 ms before), give or take the edges.
      expect(calls.heads).toBeGreaterThanOrEqual(3);
      expect(calls.heads).toBeLessThanOrEqual(7);

      // Deposits only: the order views count once what came after the head they saw (not from
      // their checkpoints, which are behind it), then nothing again.
      const head = (await t.store.headPosition())!;
      for (let i = 0; i < 3; i++) {
        await t.store.appendToStream(accountStreamId("idle-0"), [deposited("idle-0", 1, 1)]);
      }
      await eventually(async () => {
        expect(await states.read("accounts", new Date())).toMatchObject({ status: "live", lagEvents: 0 });
      });
      await pause(600);
      const ordersCounts = calls.counts.filter((count) => count.filter?.streamPrefixes?.includes("order-"));
      expect(ordersCounts.length).toBeGreaterThan(0);
      expect(ordersCounts.every((count) => count.after !== null && count.after.commit >= head.commit)).toBe(
        true,
      );
      calls.counts.length = 0;
      await pause(600);
      expect(calls.counts).toEqual([]);
      for (const projector of projectors) {
        expect(await states.read(projector.name, new Date())).toMatchObject({ status: "live", lagEvents: 0 });
      }
    } finally {
      for (const runner of runners) await runner.stop();
    }
  });
});
