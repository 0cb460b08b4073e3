import { Job, QueueEvents, type ConnectionOptions, type JobType, type Queue } from "bullmq";
import type { JobProgress } from "./progress";
import { closeWithin, queueNames } from "./queues";

export type JobState = "waiting" | "active" | "delayed" | "completed" | "failed" | "prioritized" | "paused";

/** A job as operators see it. */
export interface JobView {
  readonly id: string;
  readonly kind: string;
  readonly state: JobState | "unknown";
  readonly progress: JobProgress | null;
  /** Attempts made so far, the running one included (a retried or resumed job has more than one). */
  readonly attempts: number;
  readonly error: string | null;
  readonly data: unknown;
  readonly result: unknown;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface JobScheduleView {
  readonly id: string;
  readonly kind: string;
  readonly everyMs: number | null;
  readonly pattern: string | null;
  readonly nextRunAt: Date | null;
}

const allStates: JobState[] = [
  "active",
  "waiting",
  "prioritized",
  "delayed",
  "paused",
  "failed",
  "completed",
];

/** How many jobs' last pushed views a watch of every job remembers, to push each change once. */
const watchMemory = 1_000;

/** Reads, retries and follows the jobs of a queue (the gateway's admin view). */
export class JobsAdmin {
  private events: QueueEvents | null = null;
  private readonly listeners = new Set<(jobId: string) => void>();

  constructor(
    private readonly queue: Queue,
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
  ) {}

  /**
   * A page of the jobs, newest first: `limit` of them after the first `offset`.
   *
   * BullMQ applies a range to each state on its own, and keeps no index of all a queue's jobs by
   * age. So each state gives its first `offset + limit` jobs in its own order (newest first:
   * waiting and active by when they got there, completed and failed by when they finished,
   * delayed by when they are due; prioritized by priority), and these are merged by creation
   * time: of the states' next jobs, the newest comes first. The merge never reorders a state's
   * jobs, so the first n jobs of the whole list depend only on the first n of each state, and a
   * page read with a larger offset continues exactly where the one before ended (while no job
   * changes state). A request loads at most `offset + limit` jobs per state.
   */
  async list(
    state: JobState | null,
    offset: number,
    limit: number,
  ): Promise<{ items: JobView[]; total: number }> {
    const types = (state ? [state] : allStates) as JobType[];
    const end = offset + limit - 1;
    const [perState, counts] = await Promise.all([
      Promise.all(types.map((type) => this.queue.getJobs([type], 0, end, false))),
      this.queue.getJobCounts(...types),
    ]);
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    const jobs = newestFirst(perState, offset + limit).slice(offset);
    const items = await Promise.all(jobs.map((job) => view(this.queue, job)));
    return { items, total };
  }

  async get(id: string): Promise<JobView | null> {
    const job = await Job.fromId(this.queue, id);
    return job ? view(this.queue, job) : null;
  }

  /** Runs a failed job again; its error and attempts stay visible until it finishes. */
  async retry(id: string): Promise<JobView | null> {
    const job = await Job.fromId(this.queue, id);
    if (!job) return null;
    const state = await job.getState();
    if (state !== "failed") throw new JobNotRetryable(id, state);
    await job.retry("failed");
    return view(this.queue, job);
  }

  /** The repeatable jobs, with their next run. */
  async schedules(): Promise<JobScheduleView[]> {
    const schedulers = await this.queue.getJobSchedulers(0, -1, true);
    return schedulers.map((s) => ({
      id: s.key,
      kind: s.name,
      everyMs: s.every ? Number(s.every) : null,
      pattern: s.pattern ?? null,
      nextRunAt: s.next ? new Date(s.next) : null,
    }));
  }

  /**
   * Every change of a job (or of any job): its view after the change, once each, until `signal`
   * aborts. Following one job ends once it has been seen completed (a cancelled rebuild too): it
   * changes no more. A failed one is followed on, as retryJob may run it again.
   */
  async *watch(jobId: string | null, signal: AbortSignal): AsyncGenerator<JobView> {
    const pending: string[] = [];
    let wake: (() => void) | null = null;
    const listener = (id: string) => {
      if (jobId !== null && id !== jobId) return;
      pending.push(id);
      wake?.();
    };
    this.listeners.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    // What was last pushed of each job: an event that comes while the job is read (its progress,
    // then its end) reads the job as the read before already did, and is no change of its own.
    const pushed = new Map<string, string>();
    const changed = (now: JobView): boolean => {
      const seen = JSON.stringify(now);
      if (pushed.get(now.id) === seen) return false;
      pushed.delete(now.id);
      pushed.set(now.id, seen);
      // Following every job: the most recently changed ones are remembered.
      if (pushed.size > watchMemory) pushed.delete(pushed.keys().next().value!);
      return true;
    };
    // A completed job changes no more; a failed one may be run again (retryJob) and is followed on.
    const ended = (now: JobView) => jobId !== null && now.state === "completed";
    try {
      await this.follow();
      if (jobId !== null) {
        const now = await this.get(jobId);
        if (now) {
          changed(now);
          yield now;
          if (ended(now)) return;
        }
      }
      while (!signal.aborted) {
        if (pending.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        const id = pending.shift()!;
        if (pending.includes(id)) continue; // a later change of the same job follows
        const now = await this.get(id);
        if (!now || !changed(now)) continue;
        yield now;
        if (ended(now)) return;
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener("abort", onAbort);
    }
  }

  async close(): Promise<void> {
    if (this.events) await closeWithin(this.events, 2_000);
  }

  /** One QueueEvents connection per gateway, opened by the first watcher. */
  private async follow(): Promise<void> {
    if (this.events) return;
    const events = new QueueEvents(queueNames.maintenance, {
      connection: this.connection,
      prefix: this.prefix,
    });
    this.events = events;
    const notify = ({ jobId }: { jobId: string }) => {
      for (const listener of this.listeners) listener(jobId);
    };
    for (const name of [
      "waiting",
      "active",
      "progress",
      "completed",
      "failed",
      "retries-exhausted",
      "stalled",
    ] as const) {
      events.on(name, notify as never);
    }
    await events.waitUntilReady();
  }
}

export class JobNotRetryable extends Error {
  constructor(
    readonly jobId: string,
    readonly state: string,
  ) {
    super(`Job ${jobId} is ${state}: only a failed job can be retried`);
    this.name = "JobNotRetryable";
  }
}

/**
 * The first `count` jobs of `lists` (each newest first in its own order) merged into one list:
 * each next job is the newest by creation time of the lists' next ones (the earlier list on a
 * tie). A job read in two lists (it moved between the reads) is kept once.
 */
function newestFirst(lists: readonly (readonly Job[])[], count: number): Job[] {
  const next = lists.map(() => 0);
  const seen = new Set<string>();
  const merged: Job[] = [];
  while (merged.length < count) {
    let from = -1;
    let newest: Job | undefined;
    for (let i = 0; i < lists.length; i++) {
      const head = lists[i]![next[i]!];
      if (head && (!newest || head.timestamp > newest.timestamp)) {
        from = i;
        newest = head;
      }
    }
    if (!newest) break;
    next[from]!++;
    const id = String(newest.id);
    if (seen.has(id)) continue;
    seen.add(id);
    merged.push(newest);
  }
  return merged;
}

async function view(queue: Queue, read: Job): Promise<JobView> {
  const state = (await read.getState()) as JobState | "unknown";
  // The job's fields were read before its state: a job that finished in between reads as
  // finished with no result yet. Finishing sets the state, result and finish time in one step,
  // so reading the job again gives all three together.
  const finished = state === "completed" || state === "failed";
  const job = finished && !read.finishedOn ? ((await Job.fromId(queue, String(read.id))) ?? read) : read;
  const progress =
    typeof job.progress === "object" && job.progress !== null ? (job.progress as JobProgress) : null;
  return {
    id: String(job.id),
    kind: job.name,
    state,
    progress,
    // attemptsMade counts the attempts that ended; attemptsStarted also the one running now (and
    // one cut short by a worker that died, its job resumed by another).
    attempts: Math.max(job.attemptsStarted, job.attemptsMade),
    error: job.failedReason ? job.failedReason : null,
    data: job.data,
    result: job.returnvalue ?? null,
    createdAt: new Date(job.timestamp),
    startedAt: job.processedOn ? new Date(job.processedOn) : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  };
}
