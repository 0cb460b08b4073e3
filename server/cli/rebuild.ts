import type { Queue } from "bullmq";
import { closeWithin, maintenanceQueue } from "../../jobs/queues";
import { RebuildAlreadyRunning, RebuildRequests, UnknownView } from "../../jobs/rebuild-requests";
import { viewNames } from "../../readmodels/registry";
import { loadConfig } from "../config";
import { CommandFailed, parseCommandLine, runCommand, UsageError } from "./args";
import { followJob } from "./follow-job";
import { connectRedis } from "./redis";

const usage = `Usage:
  npm run rebuild -- <view>            rebuild the view as a job and follow it with a progress bar
  npm run rebuild -- <view> --detach   start the rebuild and return (follow it with the jobs query)
  npm run rebuild -- <view> --cancel   stop the view's rebuild; the live view stays as it is

  --help      this text

Views: ${viewNames.join(", ")}
The rebuild builds a new generation of the view from the whole log beside the live one; readers
switch to it in one step once it has caught up, and the old one is removed in the background. A
running worker (ROLE=worker, or ROLE=all as npm start runs) does the work; Ctrl-C stops following,
not the rebuild. Uses REDIS_URL (or REDIS_CLUSTER_NODES) and REDIS_PREFIX like the service.
Exit codes: 0 done, 1 failed (the job failed, or a rebuild of the view is already running),
2 wrong arguments.`;

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv, { detach: { type: "boolean" }, cancel: { type: "boolean" } }, true);
  if (parsed === null) {
    console.log(usage);
    return 0;
  }
  const [view, ...extra] = parsed.positionals;
  if (view === undefined) throw new UsageError(`missing the view (${viewNames.join(", ")})`);
  if (!viewNames.includes(view))
    throw new UsageError(`unknown view "${view}"; known: ${viewNames.join(", ")}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (parsed.values.detach && parsed.values.cancel)
    throw new UsageError("--detach and --cancel exclude each other");

  const config = loadConfig();
  const tool = await connectRedis(config);
  const { redis, keys } = tool;
  const queue = maintenanceQueue({ connection: tool.bull, prefix: keys.queuePrefix() });
  const requests = new RebuildRequests(queue, redis, keys, viewNames);
  try {
    if (parsed.values.cancel) {
      const jobId = await requests.cancel(view);
      console.log(
        jobId === null
          ? `No rebuild of ${view} is running.`
          : `Cancelled the rebuild of ${view} (job ${jobId}).`,
      );
      return 0;
    }
    let started: { jobId: string; generation: number };
    try {
      started = await requests.start(view);
    } catch (error) {
      // The refusal's own text names the GraphQL mutation: here, the command line's option.
      if (error instanceof RebuildAlreadyRunning)
        throw new CommandFailed(error.cancelledWith(`npm run rebuild -- ${view} --cancel`));
      if (error instanceof UnknownView) throw new CommandFailed(error.message);
      throw error;
    }
    console.log(`Rebuilding ${view} as generation ${started.generation} (job ${started.jobId}).`);
    if ((await queue.getWorkers()).length === 0) {
      console.log("No worker is running yet (ROLE=worker or ROLE=all): the job waits until one starts.");
    }
    if (parsed.values.detach) return 0;
    return await follow(queue, started.jobId);
  } finally {
    await closeWithin(queue, 2_000);
    tool.close();
  }
}

/** Follows the rebuild until it ends; its outcome is the exit code. */
async function follow(queue: Queue, jobId: string): Promise<number> {
  const followed = await followJob(queue, jobId, "events", "the rebuild");
  if (followed.outcome === "detached") {
    console.log(`Stopped following; the rebuild goes on (job ${jobId}). Cancel it with --cancel.`);
    return 0;
  }
  const result = followed.result as { outcome: string; events: number; keysRemoved: number } | null;
  if (result?.outcome === "cancelled") {
    console.log("The rebuild was cancelled; the live view is as it was.");
    return 1;
  }
  console.log(
    `Done: ${result?.events ?? 0} events; the view switched, ${result?.keysRemoved ?? 0} keys of the old generation removed.`,
  );
  return 0;
}

runCommand("rebuild", main);
