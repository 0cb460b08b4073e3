import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRedis } from "../../gameday/lib/private-redis";
import { eventually } from "../support/service";
import { recordingLog, startApiService, tokenFor, type ApiClient, type ApiService } from "./support/api";
import { mutate } from "./support/fixtures";
import { overWebSocket } from "./support/ws";

let redis: PrivateRedis;
let t: ApiService;
let alice: ApiClient;
const log = recordingLog();

beforeAll(async () => {
  // A Redis of this file's own, so it can be stopped under the running service.
  redis = await PrivateRedis.start();
  t = await startApiService({ REDIS_URL: redis.url }, log);
  alice = await t.as("customer", "alice");
  await mutate(alice, "openAccount", { accountId: "alice-1", ownerId: "alice", currency: "USD" });
  await eventually(async () => {
    expect(
      (await alice.gql<{ account: unknown }>(`{ account(id: "alice-1") { id } }`)).data?.account,
    ).toBeTruthy();
  });
});
afterAll(async () => {
  await redis?.up().catch(() => undefined);
  await t?.stop();
  await redis?.kill();
});

describe("an unexpected failure", () => {
  it("shows the client a masked error with the request id, and logs the cause under the same id", async () => {
    const answer = await alice.post({ query: `{ account(id: "alice-1") { id } }` });
    expect(answer.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);

    await redis.kill();
    const failed = await alice.post<{ account: null }>(
      { query: `{ account(id: "alice-1") { id } }` },
      {
        "x-request-id": "req-outage-1",
      },
    );
    expect(failed.headers.get("x-request-id")).toBe("req-outage-1");
    expect(failed.body.errors).toEqual([
      {
        message: "Unexpected error",
        locations: [{ line: 1, column: 3 }],
        path: ["account"],
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "req-outage-1" },
      },
    ]);
    // Nothing about the cause reaches the client...
    expect(JSON.stringify(failed.body)).not.toMatch(/redis|ECONN|connect|retries|stack/i);
    // ...and the log has it, under the request id the client was given.
    const line = log.lines.find(
      (l) => l.level === "error" && (l.fields as { requestId?: string }).requestId === "req-outage-1",
    );
    expect(line?.message).toBe("unexpected error while executing an operation");
    expect(String((line?.fields as { err?: Error }).err?.message)).toMatch(
      /ECONNREFUSED|Connection is closed|retries/i,
    );

    const overSocket = await overWebSocket(
      t.url,
      { query: `{ account(id: "alice-1") { id } }` },
      await tokenFor(t.config, "customer", "alice"),
    );
    expect(overSocket.errors?.[0]).toMatchObject({
      message: "Unexpected error",
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) },
    });
    const socketId = (overSocket.errors![0]!.extensions as { requestId: string }).requestId;
    expect(log.lines.some((l) => (l.fields as { requestId?: string }).requestId === socketId)).toBe(true);

    await redis.up();
    await eventually(async () => {
      const back = await alice.gql(`{ __typename account(id: "nothing-yet") { id } }`);
      expect(back.errors).toBeUndefined();
    }, 20_000);
  });

  it("keeps expected failures as they are: typed results and clear input errors are not masked", async () => {
    const typed = await mutate(alice, "deposit", {
      accountId: "nobody",
      amount: { amount: "1.00", currency: "USD" },
    });
    expect(typed).toMatchObject({ __typename: "AccountNotFound", code: "ACCOUNT_NOT_FOUND" });
    const badInput = await alice.gql(`{ accountsByOwner(ownerId: "alice", first: 1000) { totalCount } }`);
    expect(badInput.errors?.[0]).toMatchObject({
      message: '"first" must be between 1 and 100',
      extensions: { code: "BAD_USER_INPUT" },
    });
  });
});
