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
  /** Attempts made so far (a retried or resumed job has more than one). */
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

/** Reads, retries and follows the jobs of a queue (the gateway's admin view). */
export class JobsAdmin {
  private events: QueueEvents | null = null;
  private readonly listeners = new Set<(jobId: string) => void>();

  constructor(
    private readonly queue: Queue,
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
  ) {}

  async list(
    state: JobState | null,
    offset: number,
    limit: number,
  ): Promise<{ items: JobView[]; total: number }> {
    const types = (state ? [state] : allStates) as JobType[];
    const [jobs, counts] = await Promise.all([
      this.queue.getJobs(types, offset, offset + limit - 1, false),
      this.queue.getJobCounts(...types),
    ]);
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    const items = await Promise.all(
      jobs.filter((job): job is Job => job !== undefined).map((job) => view(this.queue, job)),
    );
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

  /** Every change of a job (or of any job): its view after the change, until `signal` aborts. */
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
    try {
      await this.follow();
      if (jobId !== null) {
        const now = await this.get(jobId);
        if (now) yield now;
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
        if (now) yield now;
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
    attempts: job.attemptsMade,
    error: job.failedReason ? job.failedReason : null,
    data: job.data,
    result: job.returnvalue ?? null,
    createdAt: new Date(job.timestamp),
    startedAt: job.processedOn ? new Date(job.processedOn) : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  };
}
