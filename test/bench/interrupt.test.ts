import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrl, redisUrl } from "../../bench/lib/env";
import { ProcessGroup } from "../support/process-group";

/**
 * Ctrl-C in a terminal signals the whole foreground process group: npm, the benchmark and its load
 * driver all get SIGINT, and npm forwards its own copy to the benchmark as well. The run must still
 * drop every schema and delete every key it made. (It did not: the second copy meant "exit at
 * once", and tsx's command-line wrapper SIGKILLed a child that did not acknowledge it in 60 ms.)
 */
let bench: ProcessGroup | null = null;
const admin = new pg.Client({ connectionString: databaseUrl });
const redis = new Redis(redisUrl);
afterAll(async () => {
  await bench?.kill();
  await admin.end().catch(() => undefined);
  redis.disconnect();
});

async function leftovers(runId: string): Promise<{ schemas: string[]; keys: string[] }> {
  const { rows } = await admin.query<{ nspname: string }>(
    "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1",
    [`bench\\_${runId}\\_%`],
  );
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `bench:${runId}:*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return { schemas: rows.map((row) => row.nspname), keys };
}

describe("npm run bench, interrupted from a terminal", () => {
  it("leaves no schema and no key behind when the whole process group gets SIGINT mid-run", async () => {
    await admin.connect();
    bench = new ProcessGroup("npm", ["run", "bench", "--", "--quick"]);
    const [, runId, benchPid] = await bench.waitFor(/run ([0-9a-f]{8}) \(pid (\d+)\), quick mode/, 30_000);
    const [, driverPid] = await bench.waitFor(/load driver started \(pid (\d+)\)/, 30_000);
    // Mid-run: the first figure's service has its schema and its keys. (Not later: the figure then
    // saturates both cores for seconds, which the test files running beside this one would feel.)
    const deadline = Date.now() + 60_000;
    for (;;) {
      const made = await leftovers(runId!);
      if (made.schemas.length > 0 && made.keys.length > 0) break;
      if (Date.now() > deadline) throw new Error(`the run made no schema and key in time:\n${bench.output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    bench.interrupt("SIGINT");
    // From a terminal, npm also forwards its own copy to the benchmark a moment later: one stop.
    await new Promise((resolve) => setTimeout(resolve, 30));
    process.kill(Number(benchPid), "SIGINT");
    await bench.closed;
    expect(bench.output).toMatch(/stopping: closing connections, dropping schemas, deleting keys/);
    expect(bench.output).toMatch(/stopped cleanly/);
    expect(bench.output).not.toMatch(/exiting at once/);
    expect(await leftovers(runId!)).toEqual({ schemas: [], keys: [] });
    expect(() => process.kill(Number(driverPid), 0)).toThrow(); // the load driver is gone too
  }, 120_000);
});
