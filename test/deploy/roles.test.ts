import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config";

/** ROLE picks what a process runs; a role with nothing to run refuses to start. */
const root = resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "ledgerline-roles-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("ROLE", () => {
  it("accepts all, gateway and projector; refuses worker until jobs exist, saying which roles to use", () => {
    for (const role of ["all", "gateway", "projector"]) expect(loadConfig({ ROLE: role }).role).toBe(role);
    expect(loadConfig({}).role).toBe("all");
    expect(() => loadConfig({ ROLE: "worker" })).toThrow(ConfigError);
    expect(() => loadConfig({ ROLE: "worker" })).toThrow(
      /worker role has no jobs yet.*ROLE=gateway, ROLE=projector or ROLE=all/,
    );
    expect(() => loadConfig({ ROLE: "jobs" })).toThrow(
      /ROLE must be one of all, gateway, projector; got "jobs"/,
    );
  });

  it("a ROLE=worker process exits at once with code 2 and the message, having started nothing", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
      cwd: root,
      // Were it to start after all, it would touch nothing shared: no Redis answers, the store is in memory.
      env: {
        ...process.env,
        ROLE: "worker",
        REDIS_URL: "redis://127.0.0.1:1",
        REDIS_AUTOSTART: "false",
        EVENT_STORE_URL: "memory://",
        DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const running = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((done) => child.on("exit", (exitCode) => done(exitCode)));
    clearTimeout(running);
    expect(stderr).toMatch(/^Configuration error: ROLE=worker: the worker role has no jobs yet/m);
    expect(code).toBe(2);
    expect(stdout).not.toMatch(/ledgerline started|GraphQL endpoint/);
  });
});
