import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeIdentity } from "../../eventstore/identity";
import { keysOn } from "../../gameday/lib/redis-keys";
import { adoptReadModels } from "../../readmodels/identity";
import { scanAll, unlinkKeys } from "../../readmodels/redis-nodes";
import { projectionsCaughtUp, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  // Whole projectors, all in this process: the test stops them while it takes keys apart.
  t = await startTestService({ PROJECTOR_PARTITIONS: "1" });
});
afterAll(async () => {
  await t?.stop();
});

const usd = (amount: string) => ({ amount, currency: "USD" });

describe("read models on a cluster, judged view by view against the event store they came from", () => {
  it("rebuilds only the views a master lost, and forgets only a view built from another store", async () => {
    for (const [mutation, input] of [
      ["openAccount", { accountId: "id-1", ownerId: "olga", currency: "USD" }],
      ["deposit", { accountId: "id-1", amount: usd("10.00") }],
    ] as const) {
      const answer = await t.gql(
        `mutation($input: ${mutation.charAt(0).toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { __typename } }`,
        { input },
      );
      expect(answer.errors).toBeUndefined();
    }
    await projectionsCaughtUp(t);
    // Nothing may write while the keys are taken apart below.
    await Promise.all(t.service.projectors.map((runner) => runner.stop()));
    const { redis } = t.service;
    const keys = keysOn(redis, t.prefix);
    const storeId = await storeIdentity(t.service.store);
    const keysOf = (view: string) => scanAll(redis, `${keys.generationPrefix(view, 0)}*`);
    const transactions = await keysOf("account-transactions");
    expect(transactions.length).toBeGreaterThan(0);

    // The master holding the accounts view came back empty (its record and its data), and with
    // it the deployment-wide id: the views elsewhere are this store's and stay.
    await unlinkKeys(redis, [
      ...(await keysOf("accounts")),
      keys.viewGeneration("accounts"),
      keys.storeIdentity(),
    ]);
    expect(await adoptReadModels(redis, keys, storeId)).toBe(false);
    expect(await keysOf("account-transactions")).toEqual(transactions);
    expect(await redis.hget(keys.viewGeneration("accounts"), "store")).toBe(storeId);

    // A view whose id names another store is forgotten, alone.
    await redis.hset(keys.viewGeneration("account-transactions"), "store", "another-store");
    const balances = await keysOf("balance-history");
    expect(await adoptReadModels(redis, keys, storeId)).toBe(true);
    expect(await keysOf("account-transactions")).toEqual([]);
    expect(await keysOf("balance-history")).toEqual(balances);
    expect(await redis.hget(keys.viewGeneration("account-transactions"), "store")).toBe(storeId);
  });
});
