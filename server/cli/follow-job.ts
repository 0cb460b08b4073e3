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
  const bar = new SingleBar({
    format: ` {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | {left} | {stage}`,
    hideCursor: true,
    // Piped to a file or CI log: a line every few seconds instead of redrawing.
    noTTYOutput: true,
    notTTYSchedule: 3_000,
  });
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
        const left = progress.etaSeconds === null ? "" : `${progress.etaSeconds} s left`;
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
        bar.stop();
        return { outcome: "completed", result: job.returnvalue ?? null };
      }
      if (state === "failed") {
        bar.stop();
        throw new CommandFailed(`${what} failed: ${job.failedReason}`);
      }
      if (detached) {
        bar.stop();
        return { outcome: "detached" };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    process.removeListener("SIGINT", detach);
  }
}
