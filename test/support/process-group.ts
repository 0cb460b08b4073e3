import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "../..");

/** Every group started here and not yet closed: killed if the test process exits first. */
const open = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of open) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
});

/**
 * A command run in a process group of its own, as a terminal runs a foreground job: `interrupt()`
 * signals the whole group (what Ctrl-C does), and output is collected from stdout and stderr
 * together, in the order it arrives.
 */
export class ProcessGroup {
  private text = "";
  private readonly child: ChildProcess;
  /** Settles when every process holding the output pipes has closed them (not only the leader). */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: readonly string[], env: Record<string, string | undefined> = {}) {
    this.child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    open.add(this.child);
    this.child.stdout!.on("data", (chunk: Buffer) => (this.text += chunk.toString()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.text += chunk.toString()));
    this.closed = new Promise((done) =>
      this.child.on("close", (code, signal) => {
        open.delete(this.child);
        done({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get output(): string {
    return this.text;
  }

  /** Waits until the output matches (or throws after `timeoutMs`, with the output so far). */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no ${pattern} in the output after ${timeoutMs} ms:\n${this.text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Signals every process of the group, as a terminal does on Ctrl-C (SIGINT). */
  interrupt(signal: NodeJS.Signals = "SIGINT"): void {
    process.kill(-this.pid, signal);
  }

  /** Ends the group if it is still there (SIGKILL), and waits for it. */
  async kill(): Promise<void> {
    if (!open.has(this.child)) return;
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
    await this.closed;
  }
}

/** Runs a command to its end and returns its exit code and output (stdout, stderr apart). */
export function run(
  command: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`${command} ${args.join(" ")} did not end within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Process ids of the processes whose working directory is `dir` or inside it (Linux /proc). */
export async function processesIn(dir: string): Promise<number[]> {
  const { readdir, readlink } = await import("node:fs/promises");
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => null);
    if (cwd !== null && (cwd === dir || cwd.startsWith(`${dir}/`))) found.push(Number(entry));
  }
  return found;
}
