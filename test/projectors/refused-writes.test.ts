import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModelKeys } from "../../readmodels/keys";
import { recordingLog, startApiService, type ApiClient, type ApiService } from "../api/support/api";
import { mutate, usd } from "../api/support/fixtures";
import { dumpKeys, eventually, projectionsCaughtUp } from "../support/service";

/**
 * A read-model write Redis cannot take (here: a key of the wrong type where the accounts view
 * keeps an account's history, as data written before the id rule could leave) fails for that
 * event alone: nothing of it is written, it is retried a bounded number of times, then parked
 * and shown to operators, while every other stream keeps projecting and the view stays live.
 */

let t: ApiService;
let admin: ApiClient;
const log = recordingLog();

beforeAll(async () => {
  t = await startApiService({ RATE_LIMIT_MUTATIONS: "0" }, log);
  admin = await t.as("admin", "ops");
});
afterAll(async () => {
  await t?.stop();
});

interface Parked {
  eventId: string;
  streamId: string;
  type: string;
  reason: string;
  attempts: number;
}

describe("an event whose writes Redis refuses", () => {
  it("is parked with the reason and leaves Redis as before it, while other streams keep projecting", async () => {
    const keys = readModelKeys(t.prefix);
    await mutate(admin, "openAccount", { accountId: "victim", ownerId: "vic", currency: "USD" });
    await mutate(admin, "openAccount", { accountId: "bystander", ownerId: "by", currency: "USD" });
    await projectionsCaughtUp(t);
    // A key of the wrong type where the victim's view history lives.
    await t.service.redis.del(keys.accountHistory("victim"));
    await t.service.redis.set(keys.accountHistory("victim"), "not a stream");
    // Other projectors (audit trail, balance history) keep their own keys of the account: not these.
    const accountsView = () =>
      dumpKeys(t.service.redis, keys.account("victim"), [/:transactions$/, /:balances$/]);
    const before = await accountsView();

    await mutate(admin, "deposit", { accountId: "victim", amount: usd("5.00") });
    await mutate(admin, "deposit", { accountId: "bystander", amount: usd("7.00") });

    const parked = await eventually(async () => {
      const answer = await admin.gql<{ parkedEvents: Parked[] }>(
        `{ parkedEvents(projector: "accounts") { eventId streamId type reason attempts } }`,
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.parkedEvents).toHaveLength(1);
      return answer.data!.parkedEvents[0]!;
    }, 20_000);
    expect(parked).toMatchObject({ streamId: "account-victim", type: "MoneyDeposited", attempts: 5 });
    expect(parked.reason).toMatch(
      /snapshot needs a stream at .*account:victim:history, which holds a string/,
    );

    // Nothing of the refused event was written: not the balance, not the guard, not the history.
    expect(await accountsView()).toEqual(before);
    // The other account moved on, and the accounts view is live for it.
    await eventually(async () => {
      const answer = await admin.gql<{ account: { balance: { amount: string }; meta: { status: string } } }>(
        `{ account(id: "bystander") { balance { amount } meta { status } } }`,
      );
      expect(answer.data?.account.balance.amount).toBe("7.00");
    });
    // Logged once, at parking, with the event and the cause.
    const lines = log.lines.filter((line) => line.message.startsWith("event parked"));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({
      projector: "accounts",
      eventId: parked.eventId,
      reason: parked.reason,
    });

    // Once an operator repairs the key, a replay applies the event exactly once.
    await t.service.redis.del(keys.accountHistory("victim"));
    const replayed = await admin.gql<{ replayParkedEvents: number }>(
      `mutation { replayParkedEvents(projector: "accounts") }`,
    );
    expect(replayed.errors).toBeUndefined();
    await eventually(async () => {
      const answer = await admin.gql<{ account: { balance: { amount: string }; revision: number } }>(
        `{ account(id: "victim") { balance { amount } revision } }`,
      );
      expect(answer.data?.account).toEqual({ balance: { amount: "5.00" }, revision: 1 });
    }, 20_000);
  });
});
