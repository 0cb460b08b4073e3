import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config";
import { deleteKeys, testRedisUrl } from "../../gameday/lib/redis-keys";

/** ROLE picks what a process runs. */
const root = resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "ledgerline-roles-"));
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await deleteKeys(`roles-${process.pid}:`);
});

describe("ROLE", () => {
  it("accepts all, gateway, projector and worker; refuses anything else, naming the roles", () => {
    for (const role of ["all", "gateway", "projector", "worker"])
      expect(loadConfig({ ROLE: role }).role).toBe(role);
    expect(loadConfig({}).role).toBe("all");
    expect(() => loadConfig({ ROLE: "jobs" })).toThrow(ConfigError);
    expect(() => loadConfig({ ROLE: "jobs" })).toThrow(
      /ROLE must be one of all, gateway, projector, worker; got "jobs"/,
    );
  });

  it("a ROLE=worker process runs the job workers only (no gateway, no projectors), and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
      cwd: root,
      env: {
        ...process.env,
        ROLE: "worker",
        REDIS_URL: testRedisUrl,
        REDIS_AUTOSTART: "false",
        REDIS_PREFIX: `roles-${process.pid}:`,
        EVENT_STORE_URL: "memory://",
        DATA_DIR: dataDir,
        LOG_LEVEL: "info",
        SNAPSHOT_SWEEP_EVERY_MS: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    const exited = new Promise<number | null>((done) => child.on("exit", (exitCode) => done(exitCode)));
    const deadline = Date.now() + 30_000;
    while (!/ledgerline started/.test(stdout) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toMatch(/"role":"worker".*ledgerline started/);
    expect(stdout).not.toMatch(/GraphQL endpoint/);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped cleanly/);
  }, 60_000);
});
