import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { viewNames } from "../../readmodels/registry";
import { deleteKeys, targetEnv, testRedisUrl } from "../../gameday/lib/redis-keys";
import { freePort } from "../../server/redis";
import { createPostgresTestStore, testDatabaseUrl } from "../support/eventstores";
import { startProjectorPartitions } from "../support/partitions";
import { eventually } from "../support/service";

const root = resolve(import.meta.dirname, "../..");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A gateway process told `partitions` (unset: none), with its log. */
async function startGateway(env: Record<string, string>): Promise<{ url: string; log: () => string }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      ROLE: "gateway",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  cleanups.push(async () => {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
  });
  return { url: `http://127.0.0.1:${port}`, log: () => log };
}

describe("processes told different numbers of projector partitions", () => {
  it("are found out: the gateway is not ready and says what to set, until it is told the same", async () => {
    const es = await createPostgresTestStore();
    cleanups.push(() => es.close());
    const prefix = `agree:${randomBytes(4).toString("hex")}:`;
    cleanups.push(() => deleteKeys(prefix));
    const partitions = startProjectorPartitions({
      schema: es.schema,
      target: testRedisUrl,
      prefix,
      count: 2,
      name: "agree",
    });
    for (const process of partitions) cleanups.push(async () => void (await process.kill()));
    const env = {
      EVENT_STORE_URL: testDatabaseUrl,
      EVENT_STORE_SCHEMA: es.schema,
      ...targetEnv(testRedisUrl),
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: prefix,
    };

    // Told nothing (whole projectors) while two partitions run.
    const wrong = await startGateway(env);
    const refused = await eventually(async () => {
      const response = await fetch(`${wrong.url}/ready`);
      const body = (await response.json()) as { ready: boolean; partitions?: string };
      expect(response.status).toBe(503);
      expect(body.partitions).toBeDefined();
      return body;
    }, 60_000);
    expect(refused.partitions).toMatch(
      /projectors report running as 2 partitions \([a-z-]+~\dof2\), but this process was told PROJECTOR_PARTITIONS=1/,
    );
    await eventually(
      async () => expect(wrong.log()).toMatch(/"level":40.*told PROJECTOR_PARTITIONS=1/),
      30_000,
    );

    // Told the same number: ready once the partitions are live, and nothing said.
    const right = await startGateway({ ...env, PROJECTOR_PARTITIONS: "2" });
    const ready = await eventually(async () => {
      const response = await fetch(`${right.url}/ready`);
      expect(response.status).toBe(200);
      return (await response.json()) as { partitions?: string };
    }, 60_000);
    expect(ready.partitions).toBeUndefined();
    await new Promise((done) => setTimeout(done, 6_000));
    expect(right.log()).not.toMatch(/told PROJECTOR_PARTITIONS/);

    // Projectors that stop leave the roll call at once: what runs next is judged alone.
    const rollCall = `${prefix}projectors:state`;
    const redis = new Redis(testRedisUrl);
    cleanups.push(async () => void (await redis.quit()));
    expect(Object.keys(await redis.hgetall(rollCall)).length).toBe(2 * viewNames.length);
    for (const process of partitions) expect(await process.terminate()).toBe(0);
    expect(await redis.hgetall(rollCall)).toEqual({});
  }, 120_000);
});
