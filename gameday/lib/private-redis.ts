import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "../../server/redis";

export { freePort };

/** Every redis-server a test started and has not seen exit: killed when the test process exits. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  // A test file that failed (or timed out) before its cleanup must not leave a server behind.
  for (const child of running) child.kill("SIGKILL");
});

/** Kills the redis-server when this process exits, if it has not exited by then. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
}

/**
 * Waits (up to ~5 s) for the redis-server `child` started on `port` to answer PING. Only our own
 * server counts: one that exited (the port taken after all) is a failure, not a PONG from whoever
 * holds the port.
 */
export async function ownServerAnswers(port: number, child: ChildProcess): Promise<boolean> {
  const probe = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  probe.on("error", () => undefined);
  try {
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      try {
        await probe.connect();
        await probe.ping();
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * A redis-server of the test's own on a free port, so a test can kill it and start it again
 * empty (what a Redis restart without persistence looks like) without touching anyone else's.
 *
 * One server at a time: `up()` while it runs does nothing, `kill()` waits for it to be gone.
 * (Starting a second redis-server on the same port used to replace the handle of the first:
 * the second failed to bind and exited, the probe got its PONG from the first, and the later
 * `kill()` killed the one already dead. The first outlived the test run, orphaned.)
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly maxmemoryPolicy: string,
    /** With a directory, the server keeps an append-only file there (it survives a restart). */
    private readonly appendOnlyDir: string | null,
  ) {}

  /**
   * `maxmemoryPolicy`: noeviction, as the service requires; a test of that check asks for another.
   * `appendOnlyDir`: keep an append-only file there, as a production Redis would.
   */
  static async start(
    options: { maxmemoryPolicy?: string; appendOnlyDir?: string } = {},
  ): Promise<PrivateRedis> {
    const redis = new PrivateRedis(
      await freePort(),
      options.maxmemoryPolicy ?? "noeviction",
      options.appendOnlyDir ?? null,
    );
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async up(): Promise<void> {
    if (this.running) return;
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        ...(this.appendOnlyDir
          ? ["--appendonly", "yes", "--dir", this.appendOnlyDir, "--appendfsync", "everysec"]
          : ["--appendonly", "no"]),
        "--maxmemory-policy",
        this.maxmemoryPolicy,
      ],
      { stdio: "ignore" },
    );
    this.child = child;
    killOnExit(child);
    if (await ownServerAnswers(this.port, child)) return;
    await this.kill();
    throw new Error(`redis-server did not start on ${this.port}`);
  }

  /**
   * Kills the server at once (no save). Without an append-only file everything in it is gone;
   * with one, `wipe` removes the file too, so the next `up()` starts empty.
   */
  async killAndWipe(): Promise<void> {
    await this.kill();
    if (this.appendOnlyDir) {
      const { readdir, rm } = await import("node:fs/promises");
      for (const entry of await readdir(this.appendOnlyDir)) {
        await rm(`${this.appendOnlyDir}/${entry}`, { recursive: true, force: true });
      }
    }
  }

  /** Kills the server at once (no save): without an append-only file, everything in it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}
