import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type {
  ClosedLoopTask,
  DriverReply,
  DriverTask,
  FanoutResult,
  HgetallTask,
  LagResult,
  OpenLoopResult,
  OpenLoopTask,
  PubSubLagTask,
  SseChangeTask,
  SseCloseTask,
  SseOpenTask,
  ThroughputResult,
  WriteLagTask,
} from "./tasks";

type ResultOf<T extends DriverTask> = T extends ClosedLoopTask | HgetallTask
  ? ThroughputResult
  : T extends OpenLoopTask
    ? OpenLoopResult
    : T extends WriteLagTask | PubSubLagTask
      ? LagResult
      : T extends SseChangeTask
        ? FanoutResult
        : T extends SseOpenTask
          ? { opened: number }
          : T extends SseCloseTask
            ? { closed: number }
            : never;

/**
 * The harness side of the load-driver process (see child.ts): one long-lived child, started with
 * tsx, that runs one task at a time and answers over IPC.
 */
export class Driver {
  private next = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: DriverReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`load driver: ${reply.error}`));
    });
    child.on("exit", (code, signal) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`load driver exited (${signal ?? code})`));
      }
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(): Promise<Driver> {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const child = fork(fileURLToPath(new URL("./child.ts", import.meta.url)), [], {
      execArgv: ["--import", tsx],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, NODE_ENV: "production" },
    });
    const driver = new Driver(child);
    await new Promise<void>((resolve, reject) => {
      driver.pending.set(0, { resolve: () => resolve(), reject });
      child.once("error", reject);
    });
    return driver;
  }

  run<T extends DriverTask>(task: T): Promise<ResultOf<T>> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, task });
    });
  }

  /** Ends the child (ours, by its pid) and fails whatever it was still doing. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    await exited;
  }
}
