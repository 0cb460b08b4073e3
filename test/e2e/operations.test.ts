import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkEvictionPolicy, freePort } from "../../server/redis";
import { eventually, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const base = () => t.url.replace(/\/graphql$/, "");

describe("operations endpoints", () => {
  it("answers /health while the process lives", async () => {
    const response = await fetch(`${base()}/health`);
    expect(response.status).toBe(200);
  });

  it("is ready once the stores answer and every projector is live", async () => {
    const body = await eventually(async () => {
      const response = await fetch(`${base()}/ready`);
      expect(response.status).toBe(200);
      return (await response.json()) as {
        eventStore: string;
        redis: string;
        projectors: { status: string }[];
      };
    });
    expect(body.eventStore).toBe("ok");
    expect(body.redis).toBe("ok");
    expect(body.projectors.length).toBeGreaterThanOrEqual(3);
    expect(body.projectors.every((p) => p.status === "live")).toBe(true);
  });

  it("exposes every projector's lag and status as Prometheus metrics", async () => {
    await eventually(async () => {
      const text = await (await fetch(`${base()}/metrics`)).text();
      expect(text).toMatch(/^ledgerline_projector_lag_events\{projector="accounts"\} 0$/m);
      expect(text).toMatch(/^ledgerline_projector_status\{projector="accounts",status="live"\} 1$/m);
      expect(text).toMatch(/^ledgerline_projector_lag_events\{projector="balance-history"\} \d+$/m);
    });
  });
});

describe("parked events through GraphQL", () => {
  it("lists none on a healthy projector, and refuses to skip an event that is not parked", async () => {
    const listed = await t.gql<{ parkedEvents: unknown[] }>(
      `{ parkedEvents(projector: "accounts") { eventId } }`,
    );
    expect(listed.data?.parkedEvents).toEqual([]);
    const skipped = await t.gql(
      `mutation { skipParkedEvent(projector: "accounts", eventId: "00000000-0000-0000-0000-000000000000") }`,
    );
    expect(skipped.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const unknown = await t.gql(`mutation { replayParkedEvents(projector: "nope") }`);
    expect(unknown.errors?.[0]?.message).toMatch(/Unknown projector "nope"/);
  });
});

describe("start-up checks", () => {
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill("SIGTERM");
  });

  it("refuses a Redis that may evict keys, saying how to fix it", async () => {
    const port = await freePort();
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "allkeys-lru",
      ],
      { stdio: "ignore" },
    );
    const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 50 });
    redis.on("error", () => undefined); // refused until the server is up
    await eventually(async () => {
      await redis.connect().catch(() => undefined);
      expect(await redis.ping()).toBe("PONG");
    });
    await expect(checkEvictionPolicy(redis)).rejects.toThrow(
      /allkeys-lru.*noeviction.*CONFIG SET maxmemory-policy noeviction/s,
    );
    redis.disconnect();
  });
});
