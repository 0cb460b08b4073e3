import { Writable } from "node:stream";
import { Job, type Queue } from "bullmq";
import { SingleBar } from "cli-progress";
import type { JobProgress } from "../../jobs/progress";
import { CommandFailed } from "./args";

/** How a job ended, as the command line follows it. */
export type FollowedJob =
  { readonly outcome: "completed"; readonly result: unknown } | { readonly outcome: "detached" };

/**
 * Shows a job's progress as a bar until it ends (`unit` names what it counts). Ctrl-C stops
 * following, not the job. A failed job is a CommandFailed with its reason; `what` names the job in
 * messages ("the rebuild").
 */
export async function followJob(
  queue: Queue,
  jobId: string,
  unit: string,
  what: string,
): Promise<FollowedJob> {
  const output = process.stderr.isTTY ? null : lineOutput(process.stderr);
  const bar = new SingleBar({
    format: ` {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | {left} | {stage}`,
    hideCursor: true,
    // Piped to a file or CI log: a line every few seconds instead of redrawing.
    noTTYOutput: true,
    notTTYSchedule: 3_000,
    ...(output && { stream: output.stream }),
  });
  const stop = () => {
    output?.stopping();
    bar.stop();
  };
  let started = false;
  let detached = false;
  const detach = () => (detached = true);
  process.once("SIGINT", detach);
  try {
    for (;;) {
      // The state first: a job read after it is at least that far, so a finished state always
      // comes with the job's result.
      const state = await queue.getJobState(jobId);
      const job = await Job.fromId(queue, jobId);
      if (!job) throw new CommandFailed(`job ${jobId} is gone (removed from the queue)`);
      const progress =
        typeof job.progress === "object" && job.progress !== null ? (job.progress as JobProgress) : null;
      if (progress) {
        // Nothing left says nothing: the bar shows 100 %.
        const left = progress.etaSeconds ? `${progress.etaSeconds} s left` : "";
        const payload = { rate: progress.ratePerSecond, stage: progress.stage, left };
        const total = Math.max(progress.total ?? progress.done, progress.done, 1);
        if (!started) {
          bar.start(total, progress.done, payload);
          started = true;
        }
        bar.setTotal(total);
        bar.update(progress.done, payload);
      }
      if (state === "completed") {
        stop();
        return { outcome: "completed", result: job.returnvalue ?? null };
      }
      if (state === "failed") {
        stop();
        throw new CommandFailed(`${what} failed: ${job.failedReason}`);
      }
      if (detached) {
        stop();
        return { outcome: "detached" };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    process.removeListener("SIGINT", detach);
  }
}

/**
 * The bar's output off a terminal, where cli-progress prints a line per render: it renders once
 * more when stopped, then adds an empty line, so a final state already printed (always, for a job
 * that reports once, at its end) came twice; and a job that reported all its work done and then
 * finished printed its last count twice too ("7/7 … 3 would change", then "7/7 … done: 3 would
 * change"). So while the job runs, lines are printed as they come except one at 100 % (the stop
 * renders the final state); from `stopping()` on, a line that repeats the last one, and an empty
 * one, are left out.
 */
function lineOutput(out: NodeJS.WritableStream): { stream: Writable; stopping: () => void } {
  let partial = "";
  let last: string | null = null;
  let stopping = false;
  const print = (line: string) => {
    last = line;
    out.write(`${line}\n`);
  };
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (stopping) {
          if (line !== "" && line !== last) print(line);
        } else if (!/ 100% /.test(line)) {
          print(line);
        }
      }
      done();
    },
  });
  return { stream, stopping: () => (stopping = true) };
}
