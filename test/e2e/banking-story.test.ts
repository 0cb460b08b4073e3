import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken } from "../api/support/api";
import { subscribeWs } from "../support/live";
import { eventually, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const usd = (amount: string) => ({ amount, currency: "USD" });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(mutation: string, input: Record<string, unknown>) {
  const response = await t.gql<
    Record<string, { __typename: string; position?: string; withdrawalId?: string }>
  >(
    `mutation($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) {
      __typename ... on AccountChange { position withdrawalId } ... on Error { code message } } }`,
    { input },
  );
  expect(response.errors).toBeUndefined();
  const result = response.data![mutation]!;
  expect(result.__typename, JSON.stringify(result)).toBe("AccountChange");
  return result;
}

const accountView = `query($id: ID!, $before: DateTime!, $between: DateTime!, $now: DateTime!) {
  account(id: $id) {
    balance { amount }
    beforeDeposit: balanceAt(at: $before) { amount }
    betweenDepositAndWithdrawal: balanceAt(at: $between) { amount }
    now: balanceAt(at: $now) { amount }
    transactions(first: 10) { edges { node { kind amount { amount } balanceAfter { amount } reference correlationId at } } }
    meta { status position lagEvents }
  }
}`;

describe("the story of the seeds, through GraphQL", () => {
  it("answers the balance now, between the deposit and the withdrawal, and before the deposit; a reversal shows in the audit trail", async () => {
    await run("openAccount", { accountId: "seed", ownerId: "olga", currency: "USD" });
    await pause(5);
    const before = new Date();
    await pause(5);
    await run("deposit", { accountId: "seed", amount: usd("10000") });
    await pause(5);
    const between = new Date();
    await pause(5);
    const withdrawal = await run("withdraw", { accountId: "seed", amount: usd("5000") });
    const mistaken = await run("withdraw", { accountId: "seed", amount: usd("120.00") });
    const reversal = await run("reverseWithdrawal", {
      accountId: "seed",
      withdrawalId: mistaken.withdrawalId,
      reason: "charged twice by mistake",
    });

    type View = {
      account: {
        balance: { amount: string };
        beforeDeposit: { amount: string } | null;
        betweenDepositAndWithdrawal: { amount: string };
        now: { amount: string };
        transactions: {
          edges: {
            node: {
              kind: string;
              amount: { amount: string };
              balanceAfter: { amount: string };
              reference: string | null;
              correlationId: string | null;
            };
          }[];
        };
        meta: { status: string; position: string | null; lagEvents: number };
      };
    };
    const view = await eventually(async () => {
      const response = await t.gql<View>(accountView, {
        id: "seed",
        before: before.toISOString(),
        between: between.toISOString(),
        now: new Date(Date.now() + 1000).toISOString(),
      });
      expect(response.errors).toBeUndefined();
      const account = response.data!.account;
      expect(account.transactions.edges).toHaveLength(4);
      expect(account.meta.position).toBe(reversal.position);
      return account;
    });
    expect(view.balance.amount).toBe("5000.00");
    expect(view.now.amount).toBe("5000.00");
    expect(view.betweenDepositAndWithdrawal.amount).toBe("10000.00");
    expect(view.beforeDeposit?.amount).toBe("0.00");
    expect(
      view.transactions.edges.map(({ node }) => [
        node.kind,
        node.amount.amount,
        node.balanceAfter.amount,
        node.reference,
      ]),
    ).toEqual([
      ["REVERSAL", "120.00", "5000.00", mistaken.withdrawalId],
      ["WITHDRAWAL", "120.00", "4880.00", mistaken.withdrawalId],
      ["WITHDRAWAL", "5000.00", "5000.00", withdrawal.withdrawalId],
      ["DEPOSIT", "10000.00", "10000.00", null],
    ]);
    expect(view.transactions.edges.every(({ node }) => node.correlationId)).toBe(true);
    await eventually(async () => {
      const response = await t.gql<View>(accountView, {
        id: "seed",
        before: before.toISOString(),
        between: between.toISOString(),
        now: new Date().toISOString(),
      });
      expect(response.data!.account.meta).toMatchObject({ status: "LIVE", lagEvents: 0 });
    });
  });

  it("pages through the audit trail with cursors", async () => {
    await run("openAccount", { accountId: "pages", ownerId: "olga", currency: "USD" });
    for (let i = 1; i <= 5; i++) await run("deposit", { accountId: "pages", amount: usd(`${i}.00`) });
    const page = `query($after: Position) { account(id: "pages") { transactions(first: 2, after: $after) {
      edges { cursor node { amount { amount } } } pageInfo { hasNextPage endCursor } } } }`;
    type Page = {
      account: {
        transactions: {
          edges: { node: { amount: { amount: string } } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    };
    const amounts: string[] = [];
    let after: string | null = null;
    await eventually(async () => {
      const response = await t.gql<Page>(page, {});
      expect(response.data!.account.transactions.edges[0]?.node.amount.amount).toBe("5.00");
    });
    for (let pageNo = 0; pageNo < 5; pageNo++) {
      const response: { data?: Page } = await t.gql<Page>(page, { after });
      const connection: Page["account"]["transactions"] = response.data!.account.transactions;
      amounts.push(...connection.edges.map((e) => e.node.amount.amount));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(amounts).toEqual(["5.00", "4.00", "3.00", "2.00", "1.00"]);
  });
});

describe("live views without gaps", () => {
  const watch = `subscription($id: ID!, $since: Position) { accountUpdated(id: $id, since: $since) {
    position missedChanges account { revision balance { amount } } } }`;
  type Push = {
    data: {
      accountUpdated: {
        position: string;
        missedChanges: boolean;
        account: { revision: number; balance: { amount: string } };
      };
    };
  };

  it("sends a subscriber that reconnects with its last position exactly the three changes it missed, in order", async () => {
    await run("openAccount", { accountId: "reconnect", ownerId: "olga", currency: "USD" });
    await run("deposit", { accountId: "reconnect", amount: usd("1.00") });
    await eventually(async () => {
      const response = await t.gql<{ account: { revision: number } }>(
        `{ account(id: "reconnect") { revision } }`,
      );
      expect(response.data?.account.revision).toBe(1);
    });
    const token = await devToken("customer", "olga");
    const first = await subscribeWs<Push>(t.url, watch, { id: "reconnect" }, { token });
    const [current] = await first.waitFor(1);
    expect(current!.data.accountUpdated.account.revision).toBe(1);
    await first.close();

    for (const amount of ["2.00", "3.00", "4.00"])
      await run("deposit", { accountId: "reconnect", amount: usd(amount) });

    const again = await subscribeWs<Push>(
      t.url,
      watch,
      { id: "reconnect", since: current!.data.accountUpdated.position },
      { token },
    );
    const missed = await again.waitFor(3);
    expect(
      missed.map((p) => [
        p.data.accountUpdated.account.revision,
        p.data.accountUpdated.account.balance.amount,
      ]),
    ).toEqual([
      [2, "3.00"],
      [3, "6.00"],
      [4, "10.00"],
    ]);
    expect(missed.every((p) => !p.data.accountUpdated.missedChanges)).toBe(true);
    // Then it is live: the next change arrives, and nothing was sent twice.
    await run("deposit", { accountId: "reconnect", amount: usd("5.00") });
    const all = await again.waitFor(4);
    expect(all.map((p) => p.data.accountUpdated.account.revision)).toEqual([2, 3, 4, 5]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(again.received).toHaveLength(4);
    await again.close();
  });

  it("answers a resume older than the kept history with the current view, flagged", async () => {
    await run("openAccount", { accountId: "long-gone", ownerId: "olga", currency: "USD" });
    const opened = await eventually(async () => {
      const response = await t.gql<{ account: { position: string } }>(
        `{ account(id: "long-gone") { position } }`,
      );
      expect(response.data?.account).toBeTruthy();
      return response.data!.account.position;
    });
    for (let i = 0; i < 105; i++) await run("deposit", { accountId: "long-gone", amount: usd("1.00") });
    await eventually(async () => {
      const response = await t.gql<{ account: { revision: number } }>(
        `{ account(id: "long-gone") { revision } }`,
      );
      expect(response.data?.account.revision).toBe(105);
    });
    const resumed = await subscribeWs<Push>(
      t.url,
      watch,
      { id: "long-gone", since: opened },
      { token: await devToken("customer", "olga") },
    );
    const [push] = await resumed.waitFor(1);
    expect(push!.data.accountUpdated).toMatchObject({ missedChanges: true, account: { revision: 105 } });
    await resumed.close();
  });
});
