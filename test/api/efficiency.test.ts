import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountAggregate } from "../../commands/aggregates/account";
import { CommandRuntime } from "../../commands/runtime";
import { projectionsCaughtUp } from "../support/service";
import { startApiService, type ApiClient, type ApiService } from "./support/api";

let t: ApiService;
let owner: ApiClient;

beforeAll(async () => {
  t = await startApiService();
  owner = await t.as("customer", "many");
  // 100 accounts with a deposit each, through the command path (faster than 200 HTTP calls).
  const commands = new CommandRuntime({ store: t.service.store });
  const at = new Date("2026-02-01T10:00:00Z");
  for (let i = 0; i < 100; i++) {
    const accountId = `many-${String(i).padStart(3, "0")}`;
    const context = { now: at, userId: "many" };
    await commands.execute(
      accountAggregate,
      accountId,
      {
        type: "OpenAccount",
        accountId,
        ownerId: "many",
        currency: "USD",
        at: at.toISOString(),
      },
      context,
    );
    await commands.execute(
      accountAggregate,
      accountId,
      {
        type: "DepositMoney",
        accountId,
        amount: 100 + i,
        currency: "USD",
        at: at.toISOString(),
      },
      context,
    );
  }
  await projectionsCaughtUp(t as never, 60_000);
});
afterAll(async () => {
  await t?.stop();
});

/**
 * Counts what the gateway's Redis connection really sends while `run` runs: every write to its
 * socket is one round trip (a pipeline, explicit or automatic, is written at once), and every
 * command sent. The projectors use another connection, so only the query's own reads count.
 */
async function redisTraffic<T>(
  run: () => Promise<T>,
): Promise<{ result: T; roundTrips: number; commands: number }> {
  const redis = t.service.gatewayRedis!;
  const socket = redis.stream;
  const write = socket.write;
  const sendCommand = redis.sendCommand;
  let roundTrips = 0;
  let commands = 0;
  socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
    roundTrips++;
    return write.apply(this, args);
  } as typeof write;
  redis.sendCommand = function (this: typeof redis, ...args: Parameters<typeof sendCommand>) {
    commands++;
    return sendCommand.apply(this, args);
  } as typeof sendCommand;
  try {
    return { result: await run(), roundTrips, commands };
  } finally {
    socket.write = write;
    redis.sendCommand = sendCommand;
  }
}

describe("lists resolve without a round trip per item", () => {
  it("answers 100 accounts, each with balance, history, balance-at and freshness, in a bounded number of Redis round trips", async () => {
    type Page = {
      accountsByOwner: {
        totalCount: number;
        edges: {
          node: {
            balance: { amount: string };
            balanceAt: { amount: string } | null;
            transactions: { edges: unknown[] };
            meta: { status: string };
          };
        }[];
      };
    };
    const { result, roundTrips, commands } = await redisTraffic(() =>
      owner.gql<Page>(`{ accountsByOwner(ownerId: "many", first: 100) {
        totalCount
        edges { node { id balance { amount } balanceAt(at: "2030-01-01T00:00:00Z") { amount }
          transactions(first: 2) { edges { node { kind } } } meta { status } } } } }`),
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.accountsByOwner.edges.map((e) => e.node);
    expect(nodes).toHaveLength(100);
    expect(nodes[42]).toMatchObject({ balance: { amount: "1.42" }, balanceAt: { amount: "1.42" } });
    expect(nodes.every((n) => n.transactions.edges.length === 1 && n.meta.status)).toBe(true);
    // Per item: the account hash, its history, its balance-at; once per request: the index and the
    // freshness (memoized). Over 300 commands...
    expect(commands).toBeGreaterThanOrEqual(300);
    // ...in a handful of round trips: index, accounts, then every nested read together.
    expect(roundTrips).toBeLessThanOrEqual(5);
  });
});
