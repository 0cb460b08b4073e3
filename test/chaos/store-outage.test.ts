import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { testDatabaseUrl } from "../support/eventstores";
import { eventually, startTestService, type TestService } from "../support/service";
import { TcpProxy } from "../../gameday/lib/tcp-proxy";

let proxy: TcpProxy;
let t: TestService;

beforeAll(async () => {
  const target = new URL(testDatabaseUrl);
  proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  target.port = String(proxy.port);
  t = await startTestService({ EVENT_STORE_URL: target.toString() });
});
afterAll(async () => {
  proxy.restore();
  await t?.stop();
  await proxy?.stop();
});

const deposit = `mutation($input: DepositInput!) { deposit(input: $input) {
  __typename ... on AccountChange { revision } ... on Error { code message } } }`;
const balance = `{ account(id: "outage") { balance { amount } } }`;

describe("the event store unreachable", () => {
  it("fails mutations clearly, keeps serving queries from Redis, and resumes with nothing lost", async () => {
    await t.gql(
      `mutation { openAccount(input: { accountId: "outage", ownerId: "olly", currency: "USD" }) { __typename } }`,
    );
    for (let i = 0; i < 3; i++) {
      const result = await t.gql<{ deposit: { __typename: string } }>(deposit, {
        input: { accountId: "outage", amount: { amount: "10.00", currency: "USD" } },
      });
      expect(result.data?.deposit.__typename).toBe("AccountChange");
    }
    await eventually(async () => {
      expect(
        (await t.gql<{ account: { balance: { amount: string } } }>(balance)).data?.account.balance.amount,
      ).toBe("30.00");
    });

    proxy.cutOff();
    const refused = await t.gql<{ deposit: { __typename: string; code: string } }>(deposit, {
      input: { accountId: "outage", amount: { amount: "5.00", currency: "USD" } },
    });
    expect(refused.errors).toBeUndefined();
    expect(refused.data?.deposit).toMatchObject({
      __typename: "ServiceUnavailable",
      code: "EVENT_STORE_UNAVAILABLE",
    });
    const served = await t.gql<{ account: { balance: { amount: string } } }>(balance);
    expect(served.errors).toBeUndefined();
    expect(served.data?.account.balance.amount).toBe("30.00");

    proxy.restore();
    await eventually(async () => {
      const result = await t.gql<{ deposit: { __typename: string } }>(deposit, {
        input: {
          accountId: "outage",
          amount: { amount: "5.00", currency: "USD" },
          idempotencyKey: "after-outage",
        },
      });
      expect(result.data?.deposit.__typename).toBe("AccountChange");
    }, 20_000);
    await eventually(async () => {
      expect(
        (await t.gql<{ account: { balance: { amount: string } } }>(balance)).data?.account.balance.amount,
      ).toBe("35.00");
    }, 20_000);
    expect(await t.service.store.readStream(accountStreamId("outage"))).toHaveLength(5);
  });
});
