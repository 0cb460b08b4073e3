import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModelKeys } from "../../readmodels/keys";
import { projectionsCaughtUp } from "../support/service";
import { startApiService, type ApiClient, type ApiService } from "./support/api";
import { codes, mutate, usd } from "./support/fixtures";

let t: ApiService;
let admin: ApiClient;

beforeAll(async () => {
  t = await startApiService();
  admin = await t.as("admin", "ada");
  const alice = await t.as("customer", "alice");
  await mutate(alice, "openAccount", { accountId: "replayed", ownerId: "alice", currency: "USD" });
  await mutate(alice, "deposit", { accountId: "replayed", amount: usd("100.00") });
  await mutate(alice, "withdraw", { accountId: "replayed", amount: usd("30.00") });
  await projectionsCaughtUp(t as never);
});
afterAll(async () => {
  await t?.stop();
});

type Replay = {
  debugReplay: {
    source: string;
    streamId: string;
    revision: number;
    eventCount: number;
    state: { status: string; balance?: number; ownerId?: string };
    events: { revision: number; type: string; recordedAt: string; metadata: { userId?: string } }[];
  };
};

const replay = (args: string) =>
  admin.gql<Replay>(`{ debugReplay(${args}) { source streamId revision eventCount state
    events { revision type recordedAt metadata } } }`);

describe("the admin debug view replays an aggregate from the event store", () => {
  it("returns the decider's state and the events, now, at a revision and at an instant", async () => {
    const now = await replay(`aggregate: ACCOUNT, id: "replayed"`);
    expect(now.errors).toBeUndefined();
    expect(now.data!.debugReplay).toMatchObject({
      source: "event store",
      streamId: "account-replayed",
      revision: 2,
      eventCount: 3,
      state: { status: "open", balance: 7000, ownerId: "alice" },
    });
    const events = now.data!.debugReplay.events;
    expect(events.map((e) => e.type)).toEqual(["AccountOpened", "MoneyDeposited", "MoneyWithdrawn"]);
    expect(events[1]!.metadata.userId).toBe("alice");

    const atRevision = await replay(`streamId: "account-replayed", atRevision: 1`);
    expect(atRevision.data!.debugReplay).toMatchObject({ revision: 1, state: { balance: 10000 } });

    const atInstant = await replay(
      `aggregate: ACCOUNT, id: "replayed", atInstant: "${events[0]!.recordedAt}"`,
    );
    expect(atInstant.data!.debugReplay).toMatchObject({ revision: 0, state: { balance: 0 } });
  });

  it("does not read Redis: it answers when the view is gone", async () => {
    await t.service.redis.del(readModelKeys(t.prefix).account("replayed"));
    expect((await admin.gql(`{ account(id: "replayed") { id } }`)).data).toEqual({ account: null });
    expect((await replay(`aggregate: ACCOUNT, id: "replayed"`)).data!.debugReplay.state.balance).toBe(7000);
  });

  it("says what is wrong with a bad request", async () => {
    expect(codes(await replay(`streamId: "ledger-1"`))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await replay(`aggregate: ORDER`))).toEqual(["BAD_USER_INPUT"]);
    const unknown = await replay(`aggregate: ORDER, id: "never-placed"`);
    expect(unknown.data!.debugReplay).toMatchObject({
      revision: -1,
      eventCount: 0,
      state: { status: "new" },
    });
  });
});

describe("the debug view and snapshots", () => {
  it("says which snapshot it folded from, gives the state a full replay gives, and can ignore it", async () => {
    const streamId = "account-replayed";
    const full = await admin.gql<{ debugReplay: { state: unknown; snapshot: null } }>(
      `{ debugReplay(streamId: "${streamId}") { state snapshot { revision } } }`,
    );
    expect(full.data?.debugReplay.snapshot).toBeNull();
    // A snapshot as of revision 1 (opened and the deposit): the replay folds it, then the withdrawal.
    const atOne = await admin.gql<{ debugReplay: { state: unknown } }>(
      `{ debugReplay(streamId: "${streamId}", atRevision: 1) { state } }`,
    );
    await t.service.store.writeSnapshot({
      streamId,
      revision: 1,
      stateVersion: 1,
      state: atOne.data!.debugReplay.state as never,
    });
    const fromSnapshot = await admin.gql<{
      debugReplay: { state: unknown; snapshot: { revision: number; stateVersion: number } | null };
    }>(`{ debugReplay(streamId: "${streamId}") { state snapshot { revision stateVersion takenAt } } }`);
    expect(fromSnapshot.errors).toBeUndefined();
    expect(fromSnapshot.data!.debugReplay.snapshot).toMatchObject({ revision: 1, stateVersion: 1 });
    expect(fromSnapshot.data!.debugReplay.state).toEqual(full.data!.debugReplay.state);
    const ignored = await admin.gql<{ debugReplay: { snapshot: null } }>(
      `{ debugReplay(streamId: "${streamId}", ignoreSnapshot: true) { snapshot { revision } } }`,
    );
    expect(ignored.data!.debugReplay.snapshot).toBeNull();
    // Before the snapshot's revision it cannot be used.
    const early = await admin.gql<{ debugReplay: { snapshot: null } }>(
      `{ debugReplay(streamId: "${streamId}", atRevision: 0) { snapshot { revision } } }`,
    );
    expect(early.data!.debugReplay.snapshot).toBeNull();
    await t.service.store.deleteSnapshots(streamId);
  });
});
