import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { GamedayReport } from "../../gameday/report";
import { ProcessGroup } from "../support/process-group";
import { testDatabaseUrl } from "../support/service";

/**
 * The game day as CI runs it: the short mode with every kind of fault and the same audit as the
 * long one, an audit that catches a read model changed behind the projectors' back, and a Ctrl-C
 * that leaves nothing behind. Each runs `npm run gameday` as a user would, against this machine's
 * PostgreSQL (a schema of its own) and a private Redis.
 */

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gameday-test-"));
  dirs.push(dir);
  return dir;
}

function gameday(args: string[]): ProcessGroup {
  return new ProcessGroup("npm", ["run", "-s", "gameday", "--", ...args], {
    GAMEDAY_STORE_URL: testDatabaseUrl,
  });
}

async function report(dir: string): Promise<GamedayReport> {
  const [file] = await readdir(dir);
  return JSON.parse(await readFile(join(dir, file!), "utf8")) as GamedayReport;
}

/** Game day schemas left in the store (there must be none once a run has ended). */
async function leftoverSchemas(): Promise<string[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>(
      `SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'gameday_%'`,
    );
    return result.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

function schemaOf(output: string): string {
  return /schema (gameday_[0-9a-f]+)/.exec(output)?.[1] ?? "none";
}

describe("npm run gameday", () => {
  it("--quick: breaks the running system in every way the long run does, heals, and audits clean", async () => {
    const out = await outDir();
    const run = gameday(["--quick", "--out", out]);
    const { code } = await run.closed;
    const text = run.output;
    expect(code, text.slice(-3000)).toBe(0);
    expect(text).toMatch(/PASSED: nothing lost, nothing counted twice, nothing out of order/);
    // The schedule is printed before anything breaks.
    expect(text.indexOf("the schedule:")).toBeLessThan(text.indexOf("Topology up"));
    const result = await report(out);
    expect(result.audit).toMatchObject({ lost: 0, doubled: 0, outOfOrder: 0, differences: [] });
    expect(result.audit.viewKeysCompared).toBeGreaterThan(500);
    expect(result.audit.pushesReceived).toBeGreaterThan(100);
    expect(result.acknowledged).toBeGreaterThan(1000);
    expect(result.unanswered).toBe(0);
    expect(result.refusals.otherwise).toBe(0);
    const kinds = new Set(result.faults.map((fault) => fault.kind));
    expect([...kinds].sort()).toEqual(
      [
        "kill-gateway",
        "kill-projector",
        "kill-worker",
        "new-view",
        "partition",
        "redis-restart",
        "store-stall",
      ].sort(),
    );
    expect(result.faults.every((fault) => fault.healedAt !== null)).toBe(true);
    expect(await leftoverSchemas()).not.toContain(schemaOf(text));
  }, 240_000);

  it("catches a read model changed behind the projectors' back, names it, and exits 1", async () => {
    const out = await outDir();
    const run = gameday(["--seconds", "12", "--faults", "kill-projector", "--plant-fault", "--out", out]);
    const { code } = await run.closed;
    expect(code, run.output.slice(-3000)).toBe(1);
    expect(run.output).toMatch(/view account:gd-acct-1: live .* ≠ rebuilt /);
    expect(run.output).toMatch(/FAILED/);
    const result = await report(out);
    expect(result.passed).toBe(false);
    const planted = result.audit.differences.find((d) => d.what === "account:gd-acct-1");
    expect(planted?.detail).toContain("123456789");
    // The same key read through the API: the balance clients see is not what they were told.
    expect(result.audit.differences.map((d) => `${d.kind} ${d.what}`).sort()).toEqual([
      "balance gd-acct-1",
      "view account:gd-acct-1",
    ]);
  }, 180_000);

  it("stops on Ctrl-C and removes every process, schema and key it made", async () => {
    const out = await outDir();
    const run = gameday(["--seconds", "60", "--out", out]);
    await run.waitFor(/\[\s+\d+ s\] writes [1-9]/, 120_000);
    const schema = schemaOf(run.output);
    expect(await leftoverSchemas()).toContain(schema);
    run.interrupt();
    const { code } = await run.closed;
    expect(run.output).toMatch(/Interrupted: stopping every process/);
    expect(code).not.toBe(0);
    expect(await leftoverSchemas()).not.toContain(schema);
  }, 180_000);
});
