import { describe, expect, it } from "vitest";
import { seedAccounts } from "../../bench/lib/events";
import type { EventFilter, EventStore, Position } from "../../eventstore/port";
import { ProjectorRunner } from "../../projectors/runtime";
import { ordersProjector } from "../../readmodels/orders/projection";
import { ProjectorStateStore } from "../../readmodels/projector-state";
import { eventually } from "../support/service";
import { storeAndRedis } from "../support/store-and-redis";

/**
 * A cost that must not grow with the log: a projector none of whose events are in the log (here
 * the orders view over a log of account events) reports its lag every interval without counting
 * the log from its start: once a count has found none of its events, it counts from the head it
 * saw then.
 */

const t = storeAndRedis((store) => seedAccounts(store, { prefix: "idle-", streams: 20, total: 2_000 }));

describe("an idle projector's lag reports", () => {
  it("count from its group's position, never from the start of the log", async () => {
    const counted: (Position | null)[] = [];
    // The real store, with its lag counts recorded (every other call goes straight through).
    const store = new Proxy(t.store, {
      get(target, property, receiver) {
        if (property === "countAfter") {
          return (after: Position | null, filter?: EventFilter) => {
            counted.push(after);
            return target.countAfter(after, filter);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as EventStore;
    const runner = new ProjectorRunner({
      store,
      redis: t.redis,
      keys: t.keys,
      projector: ordersProjector(t.keys),
      consumerName: "idle-test",
      reportEveryMs: 100,
    });
    await runner.start();
    try {
      const states = new ProjectorStateStore(t.redis, t.keys);
      await eventually(async () => {
        const state = await states.read("orders", new Date());
        expect(state).toMatchObject({ status: "live", lagEvents: 0 });
      });
      counted.length = 0;
      // A few more report intervals, with the log unchanged.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(counted.length).toBeGreaterThanOrEqual(3);
      const head = await t.store.headPosition();
      expect(counted.every((after) => after !== null && after.commit === head!.commit)).toBe(true);
    } finally {
      await runner.stop();
    }
  });
});
