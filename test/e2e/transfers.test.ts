import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectionsCaughtUp, startTestService, type TestService } from "../support/service";

/**
 * Money transfers through the public API of the whole service (gateway, projectors and the
 * workers that run the transfer process), against real PostgreSQL and Redis: completed, failed at
 * the source, compensated at the destination, each step on the transfer and on both audit trails.
 */

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

interface TransferAnswer {
  id: string;
  status: string;
  reason: string | null;
  steps: { step: string }[];
  requestEventId: string;
  correlationId: string;
}

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await t.gql<T>(query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

async function open(accountId: string, currency = "USD", deposit?: string) {
  await gqlOk(`mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }`, {
    input: { accountId, ownerId: "owner", currency },
  });
  if (deposit) {
    await gqlOk(`mutation($input: DepositInput!) { deposit(input: $input) { __typename } }`, {
      input: { accountId, amount: { amount: deposit, currency } },
    });
  }
}

async function transfer(
  input: Record<string, unknown>,
): Promise<{ replayed: boolean; transfer: TransferAnswer }> {
  const data = await gqlOk<{
    transferMoney: { __typename: string; replayed: boolean; transfer: TransferAnswer };
  }>(
    `mutation($input: TransferMoneyInput!) { transferMoney(input: $input) { __typename
      ... on Change { replayed transfer(settled: true, timeoutMs: 20000) {
        id status reason steps { step } requestEventId correlationId } }
      ... on Error { code message } } }`,
    { input },
  );
  expect(data.transferMoney.__typename).toBe("Change");
  return data.transferMoney;
}

async function balance(accountId: string): Promise<string> {
  await projectionsCaughtUp(t);
  const data = await gqlOk<{ account: { balance: { amount: string } } }>(
    `query($id: ID!) { account(id: $id) { balance { amount } } }`,
    { id: accountId },
  );
  return data.account.balance.amount;
}

interface Movement {
  kind: string;
  amount: { amount: string };
  transferId: string | null;
  causationId: string | null;
  correlationId: string | null;
}

async function movements(accountId: string, transferId: string): Promise<Movement[]> {
  await projectionsCaughtUp(t);
  const data = await gqlOk<{ account: { transactions: { edges: { node: Movement }[] } } }>(
    `query($id: ID!) { account(id: $id) { transactions(first: 50) { edges { node {
      kind amount { amount } transferId causationId correlationId } } } } }`,
    { id: accountId },
  );
  return data.account.transactions.edges.map((e) => e.node).filter((m) => m.transferId === transferId);
}

const usd = (amount: string) => ({ amount, currency: "USD" });

describe("money transfers", () => {
  it("completes: debits the source, credits the destination, both audit trails name the transfer and its cause", async () => {
    await open("alice", "USD", "100.00");
    await open("bob");
    const done = await transfer({
      transferId: "t-1",
      fromAccountId: "alice",
      toAccountId: "bob",
      amount: usd("30.00"),
    });
    expect(done.transfer).toMatchObject({ id: "t-1", status: "COMPLETED", reason: null });
    expect(done.transfer.steps.map((s) => s.step)).toEqual(["REQUESTED", "DEBITED", "COMPLETED"]);
    expect(await balance("alice")).toBe("70.00");
    expect(await balance("bob")).toBe("30.00");
    // The chain: each movement was caused by the transfer's request, in the request's correlation.
    const chain = {
      transferId: "t-1",
      causationId: done.transfer.requestEventId,
      correlationId: done.transfer.correlationId,
    };
    expect(await movements("alice", "t-1")).toEqual([
      { kind: "WITHDRAWAL", amount: { amount: "30.00" }, ...chain },
    ]);
    expect(await movements("bob", "t-1")).toEqual([
      { kind: "DEPOSIT", amount: { amount: "30.00" }, ...chain },
    ]);
  });

  it("is compensated when the destination is closed: the debit is reversed, naming the transfer", async () => {
    await open("closed-1");
    await gqlOk(`mutation { closeAccount(input: { accountId: "closed-1" }) { __typename } }`);
    const compensated = await transfer({
      transferId: "t-closed",
      fromAccountId: "alice",
      toAccountId: "closed-1",
      amount: usd("20.00"),
    });
    expect(compensated.transfer).toMatchObject({
      status: "COMPENSATED",
      reason: "destination_account_closed",
    });
    expect(compensated.transfer.steps.map((s) => s.step)).toEqual(["REQUESTED", "DEBITED", "COMPENSATED"]);
    expect(await balance("alice")).toBe("70.00");
    expect((await movements("alice", "t-closed")).map((m) => [m.kind, m.amount.amount])).toEqual([
      ["REVERSAL", "20.00"],
      ["WITHDRAWAL", "20.00"],
    ]);
  });

  it("is compensated for an unknown destination or one in another currency", async () => {
    await open("euro", "EUR");
    const unknown = await transfer({ fromAccountId: "alice", toAccountId: "nobody", amount: usd("5.00") });
    expect(unknown.transfer).toMatchObject({
      status: "COMPENSATED",
      reason: "destination_account_not_found",
    });
    const euro = await transfer({ fromAccountId: "alice", toAccountId: "euro", amount: usd("5.00") });
    expect(euro.transfer).toMatchObject({ status: "COMPENSATED", reason: "currency_mismatch" });
    expect(await balance("alice")).toBe("70.00");
    expect(await balance("euro")).toBe("0.00");
  });

  it("fails when the source cannot pay: nothing moves", async () => {
    const failed = await transfer({ fromAccountId: "alice", toAccountId: "bob", amount: usd("1000.00") });
    expect(failed.transfer).toMatchObject({ status: "FAILED", reason: "insufficient_funds" });
    expect(failed.transfer.steps.map((s) => s.step)).toEqual(["REQUESTED", "FAILED"]);
    expect(await balance("alice")).toBe("70.00");
    expect(await balance("bob")).toBe("30.00");
  });

  it("moves money once for one idempotency key, however often it is sent", async () => {
    const input = {
      fromAccountId: "alice",
      toAccountId: "bob",
      amount: usd("10.00"),
      idempotencyKey: "rent-may",
    };
    const first = await transfer(input);
    const again = await transfer(input);
    expect(first.transfer.status).toBe("COMPLETED");
    expect(again).toMatchObject({ replayed: true, transfer: { id: first.transfer.id, status: "COMPLETED" } });
    expect(await balance("alice")).toBe("60.00");
    expect(await balance("bob")).toBe("40.00");
  });

  it("refuses a transfer to the same account, and a bad amount, changing nothing", async () => {
    for (const input of [
      { fromAccountId: "alice", toAccountId: "alice", amount: usd("1.00") },
      { fromAccountId: "alice", toAccountId: "bob", amount: usd("-1.00") },
      { fromAccountId: "alice", toAccountId: "bob", amount: usd("0.001") },
    ]) {
      const data = await gqlOk<{ transferMoney: { __typename: string; code?: string } }>(
        `mutation($input: TransferMoneyInput!) { transferMoney(input: $input) { __typename ... on Error { code } } }`,
        { input },
      );
      expect(data.transferMoney).toEqual({ __typename: "ValidationError", code: "VALIDATION_ERROR" });
    }
    expect(await balance("alice")).toBe("60.00");
  });
});
