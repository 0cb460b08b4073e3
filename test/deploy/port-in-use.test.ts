import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openEventStore } from "../../eventstore/open";
import { deleteKeys, testRedisUrl } from "../../gameday/lib/redis-keys";
import { freePort } from "../../server/redis";
import { ProcessGroup, processesIn } from "../support/process-group";

/**
 * A second instance started on the port of a first (or any process holding it): the start fails
 * at once with one line an operator can act on, and leaves nothing behind, not even the private
 * redis-server it started.
 */
const dataDir = mkdtempSync(join(tmpdir(), "ledgerline-port-"));
let holder: Server | null = null;
let service: ProcessGroup | null = null;
afterAll(async () => {
  await service?.kill();
  // Should the test fail midway: the private redis-server works in DATA_DIR/redis.
  for (const pid of await processesIn(dataDir)) process.kill(pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  await new Promise((done) => (holder ? holder.close(done) : done(undefined)));
  await deleteKeys(`port-in-use-${process.pid}:`);
});

describe("a port in use", () => {
  it("ends the start with a one-line error naming the address and PORT, exit code 1, nothing left running", async () => {
    holder = createServer();
    const taken = holder;
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const port = (taken.address() as { port: number }).port;

    service = new ProcessGroup(process.execPath, ["--import", "tsx", "server/main.ts"], {
      DATA_DIR: dataDir,
      HOST: "127.0.0.1",
      PORT: String(port),
      // A private redis-server, so the test sees that the failed start stops what it started.
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      REDIS_AUTOSTART: "true",
      EVENT_STORE_URL: "memory://",
      DEMO: "off",
      SAMPLE_DATA: "false",
      LOG_LEVEL: "info",
      NODE_ENV: undefined,
    });
    const [line] = await service.waitFor(/^Cannot listen on .*$/m, 60_000);
    expect(line).toBe(
      `Cannot listen on 127.0.0.1:${port}: another process listens there (another Ledgerline?). ` +
        `Stop it, or set PORT to a free port (PORT=0 takes any free one).`,
    );
    // Promptly, by itself: no signal, no grace period.
    const ended = await Promise.race([
      service.closed,
      new Promise<"still running">((done) => setTimeout(() => done("still running"), 5_000)),
    ]);
    expect(ended).toEqual({ code: 1, signal: null });
    // Not mistaken for a WebSocket error, and no stack trace.
    expect(service.output).not.toMatch(/websocket|EADDRINUSE|\n\s+at /i);
    expect(service.output).not.toMatch(/"msg":"ledgerline started"/);
    // Found before anything started: no private redis-server, no store, no sample data.
    expect(service.output).not.toMatch(/started a private redis-server|sample/);
    expect(await processesIn(dataDir)).toEqual([]);
  }, 150_000);

  it("a second start on an embedded store another process holds ends with its one line, exit code 1", async () => {
    const dir = join(dataDir, "held");
    // This process holds the store, as a running `npm start` would.
    const held = await openEventStore(`pglite://${dir}`);
    try {
      service = new ProcessGroup(process.execPath, ["--import", "tsx", "server/main.ts"], {
        DATA_DIR: dataDir,
        HOST: "127.0.0.1",
        PORT: "0",
        EVENT_STORE_URL: `pglite://${dir}`,
        REDIS_URL: testRedisUrl,
        REDIS_AUTOSTART: "false",
        REDIS_PREFIX: `port-in-use-${process.pid}:`,
        DEMO: "off",
        SAMPLE_DATA: "false",
        LOG_LEVEL: "info",
        NODE_ENV: undefined,
      });
      const [line] = await service.waitFor(/^the embedded event store .*$/m, 60_000);
      expect(line).toBe(
        `the embedded event store in ${dir} is open in process ${process.pid}; stop that process first ` +
          `(or, for several processes on one store, use a PostgreSQL EVENT_STORE_URL)`,
      );
      expect(await service.closed).toEqual({ code: 1, signal: null });
      expect(service.output).not.toMatch(/\n\s+at /);
    } finally {
      await held.close();
    }
  }, 150_000);
});
