import { viewKeys } from "../../readmodels/keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { formatPosition } from "../../eventstore/position";
import { ReadModelWriter } from "../../readmodels/batch-writer";
import { accountDecider } from "../../domain/banking/decider";
import type { AccountEvent } from "../../domain/banking/events";
import { devToken } from "../api/support/api";
import { subscribeSse, subscribeWs } from "../support/live";
import {
  dumpKeys,
  eventually,
  projectionsCaughtUp,
  projectorsAsRun,
  startTestService,
  type TestService,
} from "../support/service";

const change = `... on AccountChange { accountId revision position replayed eventIds withdrawalId }
  ... on Error { __typename code message }`;

const openAccount = `mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename ${change} } }`;
const deposit = `mutation($input: DepositInput!) { deposit(input: $input) { __typename ${change} } }`;
const withdraw = `mutation($input: WithdrawInput!) { withdraw(input: $input) { __typename ${change}
  ... on InsufficientFunds { available { amount } requested { amount } } } }`;
const closeAccount = `mutation($input: CloseAccountInput!) { closeAccount(input: $input) { __typename ${change} } }`;
const accountQuery = `query($id: ID!) { account(id: $id) { id ownerId status revision position balance { amount currency minorUnits } } }`;
const accountSubscription = `subscription($id: ID!) { accountUpdated(id: $id) { position account { id revision balance { amount } } } }`;

type Change = {
  __typename: string;
  accountId?: string;
  revision?: number;
  position?: string;
  replayed?: boolean;
  eventIds?: string[];
  withdrawalId?: string;
  code?: string;
};

let t: TestService;

beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

async function mutate(mutation: string, field: string, input: Record<string, unknown>): Promise<Change> {
  const response = await t.gql<Record<string, Change>>(mutation, { input });
  expect(response.errors).toBeUndefined();
  return response.data![field]!;
}

async function open(accountId: string, ownerId = "alice", currency = "USD") {
  const result = await mutate(openAccount, "openAccount", { accountId, ownerId, currency });
  expect(result.__typename).toBe("AccountChange");
  return result;
}

const usd = (amount: string) => ({ amount, currency: "USD" });

async function balanceOf(id: string): Promise<string | undefined> {
  const response = await t.gql<{ account: { balance: { amount: string } } | null }>(accountQuery, { id });
  return response.data?.account?.balance.amount;
}

async function streamLength(accountId: string): Promise<number> {
  return (await t.service.store.readStream(accountStreamId(accountId))).length;
}

describe("bank accounts, end to end over HTTP, Redis and PostgreSQL", () => {
  it("opens, deposits 10000.00, withdraws 5000.00, reads 5000.00 and pushes both changes over SSE and WebSocket", async () => {
    await open("story");
    await eventually(async () => expect(await balanceOf("story")).toBe("0.00"));
    type Push = { data: { accountUpdated: { account: { revision: number; balance: { amount: string } } } } };
    // The owner watches: customers may subscribe to their own accounts.
    const token = await devToken("customer", "alice");
    const sse = await subscribeSse<Push>(t.url, accountSubscription, { id: "story" }, { token });
    const ws = await subscribeWs<Push>(t.url, accountSubscription, { id: "story" }, { token });
    // Both first receive the current view (revision 0, balance 0.00).
    await sse.waitFor(1);
    await ws.waitFor(1);

    const deposited = await mutate(deposit, "deposit", { accountId: "story", amount: usd("10000.00") });
    expect(deposited).toMatchObject({ __typename: "AccountChange", revision: 1, replayed: false });
    expect(deposited.position).toMatch(/^\d+:\d+$/);
    const withdrawn = await mutate(withdraw, "withdraw", { accountId: "story", amount: usd("5000.00") });
    expect(withdrawn).toMatchObject({ __typename: "AccountChange", revision: 2 });

    await eventually(async () => expect(await balanceOf("story")).toBe("5000.00"));
    for (const live of [sse, ws]) {
      const payloads = await live.waitFor(3);
      const views = payloads.map((p) => p.data.accountUpdated.account);
      expect(views.map((a) => [a.revision, a.balance.amount])).toEqual([
        [0, "0.00"],
        [1, "10000.00"],
        [2, "5000.00"],
      ]);
      await live.close();
    }
    const view = await t.gql<{ account: Record<string, unknown> }>(accountQuery, { id: "story" });
    expect(view.data?.account).toMatchObject({
      id: "story",
      ownerId: "alice",
      status: "OPEN",
      revision: 2,
      position: withdrawn.position,
      balance: { amount: "5000.00", currency: "USD", minorUnits: "500000" },
    });
  });

  it("answers a deposit repeated ten times with one idempotency key alike, appending once, even with writes in between", async () => {
    await open("idem");
    const input = { accountId: "idem", amount: usd("25.00"), idempotencyKey: "dep-1" };
    const first = await mutate(deposit, "deposit", input);
    const other = await mutate(deposit, "deposit", { accountId: "idem", amount: usd("1.00") });
    expect(other.__typename).toBe("AccountChange");
    const repeats = await Promise.all(Array.from({ length: 9 }, () => mutate(deposit, "deposit", input)));
    for (const repeat of repeats) {
      expect(repeat).toEqual({ ...first, replayed: true });
    }
    expect(await streamLength("idem")).toBe(3); // opened, the keyed deposit once, the other deposit
    const reused = await mutate(deposit, "deposit", { ...input, amount: usd("26.00") });
    expect(reused).toMatchObject({ __typename: "IdempotencyKeyReused", code: "IDEMPOTENCY_KEY_REUSED" });
    expect(await streamLength("idem")).toBe(3);
    await eventually(async () => expect(await balanceOf("idem")).toBe("26.00"));
  });

  it("appends once when ten requests with one key arrive at the same time", async () => {
    await open("idem-race");
    const input = { accountId: "idem-race", amount: usd("5.00"), idempotencyKey: "race-1" };
    const answers = await Promise.all(Array.from({ length: 10 }, () => mutate(deposit, "deposit", input)));
    expect(new Set(answers.map((a) => a.position)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect(await streamLength("idem-race")).toBe(2);
  });

  it("lets exactly 10 of 50 concurrent 100.00 withdrawals through on 1000.00, and the view equals a replay", async () => {
    await open("race");
    await mutate(deposit, "deposit", { accountId: "race", amount: usd("1000.00") });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        mutate(withdraw, "withdraw", { accountId: "race", amount: usd("100.00") }),
      ),
    );
    const counts = results.reduce<Record<string, number>>((acc, r) => {
      acc[r.__typename] = (acc[r.__typename] ?? 0) + 1;
      return acc;
    }, {});
    expect(counts).toEqual({ AccountChange: 10, InsufficientFunds: 40 });
    await eventually(async () => expect(await balanceOf("race")).toBe("0.00"));

    const events = await t.service.store.readStream(accountStreamId("race"));
    const replayed = events
      .map((e) => ({ type: e.type, data: e.data }) as AccountEvent)
      .reduce(accountDecider.evolve, accountDecider.initialState);
    expect(replayed).toMatchObject({ status: "open", balance: 0 });
    const hash = await t.service.redis.hgetall(viewKeys(t.keys, "accounts").account("race"));
    expect(hash).toMatchObject({ balance: "0", revision: String(events.length - 1) });
    expect(hash.position).toBe(formatPosition(events.at(-1)!.position));
  });

  it.each([
    ["a negative amount", "-1.00", "ValidationError"],
    ["zero", "0.00", "ValidationError"],
    ["three decimals", "1.234", "ValidationError"],
    ["letters", "abc", "ValidationError"],
  ])("refuses %s with a typed error and appends nothing", async (_name, amount, typename) => {
    const id = `bad-${amount.replace(/\W/g, "_")}`;
    await open(id);
    const before = await streamLength(id);
    const result = await mutate(deposit, "deposit", { accountId: id, amount: usd(amount) });
    expect(result).toMatchObject({ __typename: typename, code: "VALIDATION_ERROR" });
    expect(await streamLength(id)).toBe(before);
  });

  it("refuses an unknown account and a closed account with typed errors and appends nothing", async () => {
    const unknown = await mutate(deposit, "deposit", { accountId: "nobody", amount: usd("1.00") });
    expect(unknown).toMatchObject({ __typename: "AccountNotFound", code: "ACCOUNT_NOT_FOUND" });
    expect(await streamLength("nobody")).toBe(0);

    await open("closing");
    expect((await mutate(closeAccount, "closeAccount", { accountId: "closing" })).__typename).toBe(
      "AccountChange",
    );
    const closed = await mutate(deposit, "deposit", { accountId: "closing", amount: usd("1.00") });
    expect(closed).toMatchObject({ __typename: "AccountClosed", code: "ACCOUNT_CLOSED" });
    expect(await streamLength("closing")).toBe(2);
    const wrongCurrency = await mutate(deposit, "deposit", {
      accountId: "race",
      amount: { amount: "1.00", currency: "EUR" },
    });
    expect(wrongCurrency.__typename).toBe("CurrencyMismatch");
  });

  it("changes nothing in Redis when every event of the log is delivered to every projector again", async () => {
    await projectionsCaughtUp(t);
    const withoutState = [/:state$/];
    const before = await dumpKeys(t.service.redis, t.prefix, withoutState);

    const writer = new ReadModelWriter(t.service.redis);
    let redelivered = 0;
    // Each projector as it runs (on the cluster, each partition, with the events of its streams).
    for (const { projector, checkpoint, takes } of projectorsAsRun(t)) {
      const events = (await t.service.store.readAll({ filter: projector.filter, maxCount: 100_000 })).filter(
        takes,
      );
      redelivered += events.length;
      if (events.length === 0) continue;
      const outcome = await writer.apply(
        checkpoint,
        await t.service.redis.get(checkpoint),
        events.map((event) => ({
          position: formatPosition(event.position),
          ok: true,
          ...projector.project(event),
        })),
      );
      expect(outcome.kind).toBe("ok");
      if (outcome.kind === "ok") expect(new Set(outcome.units)).toEqual(new Set(["duplicate"]));
    }
    expect(redelivered).toBeGreaterThan(60);
    expect(await dumpKeys(t.service.redis, t.prefix, withoutState)).toEqual(before);
  });
});
