import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../..");

/**
 * The service started as a separate OS process (`node --import tsx server/main.ts`, one process,
 * so SIGKILL really kills it), e.g. with ROLE=projector, for crash and failover tests and the game
 * day.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  kills = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile?: string,
  ) {}

  start(): void {
    const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: "warn", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (this.logFile) {
      const log = createWriteStream(this.logFile, { flags: "a" });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
    } else {
      child.stdout?.resume();
      child.stderr?.resume();
    }
    this.child = child;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL: no cleanup of any kind, as when a machine dies. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
    this.kills++;
  }

  /** SIGTERM, and the exit code it ends with. */
  async terminate(): Promise<number | null> {
    return this.signal("SIGTERM");
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    const code = await exited;
    this.child = null;
    return code;
  }
}
