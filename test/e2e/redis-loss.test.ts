import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeIdentity } from "../../eventstore/identity";
import { deleteKeys, dumpKeys } from "../../gameday/lib/redis-keys";
import { adoptReadModels } from "../../readmodels/identity";
import { readModelKeys } from "../../readmodels/keys";
import { eventually, projectionsCaughtUp, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const deposit = `mutation($input: DepositInput!) { deposit(input: $input) { __typename } }`;
const open = `mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }`;

describe("Redis loses the read models", () => {
  it("notices the missing checkpoints while idle and rebuilds every view equal to what it was", async () => {
    for (const id of ["r1", "r2", "r3"]) {
      await t.gql(open, { input: { accountId: id, ownerId: "rita", currency: "EUR" } });
      for (let i = 1; i <= 4; i++) {
        await t.gql(deposit, { input: { accountId: id, amount: { amount: `${i}0.50`, currency: "EUR" } } });
      }
    }
    await projectionsCaughtUp(t);
    // Freshness reports, the store identity and the job queues are not views.
    const ignoreState = [/:state$/, /store-identity$/, /:bull:/, /:jobs:/];
    const before = await dumpKeys(t.service.redis, t.prefix, ignoreState);
    expect(Object.keys(before).length).toBeGreaterThan(10);

    await deleteKeys(t.prefix); // what a Redis restarted without persistence looks like to us

    await eventually(async () => {
      expect(await dumpKeys(t.service.redis, t.prefix, ignoreState)).toEqual(before);
    }, 20_000);
    const account = await t.gql<{ account: { balance: { amount: string }; meta: { status: string } } }>(
      `{ account(id: "r2") { balance { amount } meta { status } } }`,
    );
    expect(account.data?.account.balance.amount).toBe("102.00");
    // Redis is marked as holding this store's read models again: a process that starts now keeps
    // the rebuilt views instead of taking them for another store's and wiping them (the game day
    // found a projector restarted after a Redis restart doing just that).
    const identity = readModelKeys(t.prefix).storeIdentity();
    expect(await t.service.redis.get(identity)).toBe(await storeIdentity(t.service.store));
    expect(
      await adoptReadModels(t.service.redis, readModelKeys(t.prefix), await storeIdentity(t.service.store)),
    ).toBe(false);
  });
});
