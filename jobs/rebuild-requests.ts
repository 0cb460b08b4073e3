import { Job, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import { ViewGenerations } from "../readmodels/generations";
import type { ReadModelKeys } from "../readmodels/keys";
import { jobKinds } from "./queues";

/** What a rebuild job is given. */
export interface RebuildJobData {
  readonly view: string;
  readonly generation: number;
}

export class UnknownView extends Error {
  constructor(
    readonly view: string,
    readonly known: readonly string[],
  ) {
    super(`No view "${view}"; the views are ${known.join(", ")}`);
    this.name = "UnknownView";
  }
}

export class RebuildAlreadyRunning extends Error {
  constructor(
    readonly view: string,
    readonly jobId: string,
    readonly state: string,
  ) {
    super(alreadyRunning(view, jobId, state, "cancelRebuild"));
    this.name = "RebuildAlreadyRunning";
  }

  /** The same refusal, naming another way to cancel (the command line's option). */
  cancelledWith(howToCancel: string): string {
    return alreadyRunning(this.view, this.jobId, this.state, howToCancel);
  }
}

function alreadyRunning(view: string, jobId: string, state: string, howToCancel: string): string {
  return `A rebuild of ${view} is already ${state} (job ${jobId}); wait for it, or cancel it with ${howToCancel}`;
}

/** Job states in which a rebuild still holds its generation. */
const unfinished = new Set(["active", "waiting", "waiting-children", "delayed", "prioritized", "paused"]);

/** Starts and cancels rebuilds (the admin mutations and `npm run rebuild`). */
export class RebuildRequests {
  private readonly generations: ViewGenerations;

  constructor(
    private readonly queue: Queue,
    redis: Redis,
    keys: ReadModelKeys,
    private readonly views: readonly string[],
  ) {
    this.generations = new ViewGenerations(redis, keys);
  }

  /**
   * Claims the view's next generation and enqueues the job that builds it. Refused while another
   * rebuild of the view is unfinished (its job has not ended, retiring included); one whose job failed for good or vanished is superseded
   * (its partial generation is removed by the new job).
   */
  async start(view: string): Promise<{ jobId: string; generation: number }> {
    if (!this.views.includes(view)) throw new UnknownView(view, this.views);
    const record = await this.generations.read(view);
    // The last rebuild's job, while it runs: building, or switched and still retiring the old
    // generation (a new one begun then would find two generations to retire).
    if (record.job !== null) {
      const job = await Job.fromId(this.queue, record.job);
      const state = job ? await job.getState() : "unknown";
      if (unfinished.has(state)) throw new RebuildAlreadyRunning(view, record.job, state);
    }
    const begun = await this.generations.begin(view, record.building);
    if (begun === null) {
      const now = await this.generations.read(view);
      throw new RebuildAlreadyRunning(view, now.job ?? "unknown", "starting");
    }
    const data: RebuildJobData = { view, generation: begun.generation };
    await this.queue.add(jobKinds.rebuild, data, { jobId: begun.jobId });
    return begun;
  }

  /**
   * Stops the view's rebuild: the live generation stays, the job stops at its next step and
   * removes what it built. Returns the cancelled job's id, or null when none was running.
   */
  async cancel(view: string): Promise<string | null> {
    if (!this.views.includes(view)) throw new UnknownView(view, this.views);
    const record = await this.generations.read(view);
    const generation = await this.generations.cancel(view);
    return generation === null ? null : record.job;
  }
}
