import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../server/redis";
import { ProcessGroup, processesIn } from "../support/process-group";

/**
 * `npm start` as a new user runs it: a fresh data directory (the embedded store is created, sample
 * and demo data go in), a private redis-server (REDIS_URL answers nowhere), and Ctrl-C from the
 * terminal, which signals the whole process group. Times are not asserted (a shared machine says
 * nothing about them): bench/start-time.sh measures them.
 */
const dataDir = mkdtempSync(join(tmpdir(), "ledgerline-start-"));
let service: ProcessGroup | null = null;
afterAll(async () => {
  await service?.kill();
  // Should the test fail midway: the private redis-server has a process group of its own (so
  // Ctrl-C leaves it to the service); it works in DATA_DIR/redis, which makes it ours to end.
  for (const pid of await processesIn(dataDir)) process.kill(pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("says what it does from its first second, answers before the demo data is in, and Ctrl-C ends it cleanly", async () => {
    service = new ProcessGroup("npm", ["start"], {
      DATA_DIR: dataDir,
      PORT: "0",
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      REDIS_AUTOSTART: "true",
      EVENT_STORE_URL: undefined,
      DEMO: undefined,
      SAMPLE_DATA: undefined,
      LOG_LEVEL: undefined,
      NODE_ENV: undefined,
    });
    await service.waitFor(/"msg":"starting"/, 20_000);
    await service.waitFor(/"msg":"creating the embedded event store/, 20_000);
    const [, url] = await service.waitFor(/GraphQL endpoint and GraphiQL: (\S+)/, 60_000);
    const health = await fetch(url!.replace(/\/graphql$/, "/health"));
    expect(health.status).toBe(200);
    // The demo data loads after the service answers, saying how far it is.
    await service.waitFor(/"msg":"demo data: 10 % \(\d+\/\d+ commands\)"/, 60_000);
    expect(service.output.indexOf('"msg":"ledgerline started"')).toBeLessThan(
      service.output.indexOf('"msg":"demo data: 10 %'),
    );

    service.interrupt("SIGINT");
    // npm ends on the signal at once; the service's own last line is what tells how it ended.
    await service.closed;
    const lines = service.output.trim().split("\n");
    expect(lines.at(-1)).toMatch(/"signal":"SIGINT","msg":"stopped cleanly"/);
    expect(service.output).toMatch(/"msg":"demo load interrupted; loading again completes it"/);
    expect(service.output).not.toMatch(/grace period|"level":50|redis connection lost/);
    // The private redis-server (working directory DATA_DIR/redis) went with it.
    expect(await processesIn(dataDir)).toEqual([]);
  }, 150_000);
});
