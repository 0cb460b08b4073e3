import { afterAll, beforeAll, expect, it } from "vitest";
import { onCluster } from "../support/redis-target";
import { eventually, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});
it("smoke", async () => {
  expect(onCluster()).toBe(true);
  await t.gql(
    `mutation { openAccount(input: {accountId: "a1", ownerId: "o", currency: "USD"}) { __typename } }`,
  );
  await t.gql(
    `mutation { deposit(input: {accountId: "a1", amount: {amount: "5", currency: "USD"}}) { __typename } }`,
  );
  await eventually(async () => {
    const q = await t.gql<{ account: { balance: { amount: string } } | null }>(
      `{ account(id: "a1") { balance { amount } } }`,
    );
    expect(q.data?.account?.balance.amount, JSON.stringify(q)).toBe("5.00");
  }, 15_000);
});
