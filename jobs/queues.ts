import { Queue, type ConnectionOptions } from "bullmq";

// Where the connection settings are made (a module that does not load BullMQ itself).
export { bullConnection } from "./connection";

/**
 * The one module that names the queues and the kinds of job. Long work runs on BullMQ in worker
 * processes (ROLE=worker, or ROLE=all): a job survives the process that started it, a worker that
 * dies mid-job has it taken over by another (BullMQ's stalled-job check), and every job's state,
 * progress, attempts and error are visible to operators.
 */
export const queueNames = {
  /** Work on the views and the aggregates that is not a request's: snapshots, rebuilds, corrections. */
  maintenance: "maintenance",
  /** Process managers' reactions to events: one job per process and causing event. */
  processes: "processes",
} as const;

export const jobKinds = {
  /** Time-based snapshots: every aggregate changed since the last sweep. */
  snapshotSweep: "snapshot-sweep",
  /** A new generation of one view, built from the log beside the live one, then switched to. */
  rebuild: "rebuild",
  /** A tax rule applied to past orders (or, in a dry run, what it would change). */
  taxCorrection: "tax-correction",
} as const;

export type JobKind = (typeof jobKinds)[keyof typeof jobKinds];

export interface QueueSettings {
  /** BullMQ's Redis connection (its workers need `maxRetriesPerRequest: null`). */
  readonly connection: ConnectionOptions;
  /** Key prefix of the queues, so deployments sharing a Redis keep apart (`<REDIS_PREFIX>bull`). */
  readonly prefix: string;
}

export function maintenanceQueue(settings: QueueSettings, onError?: (error: Error) => void): Queue {
  const queue = new Queue(queueNames.maintenance, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: "exponential", delay: 1_000 },
      // Finished jobs stay listed for operators for a while, failed ones with their error.
      removeOnComplete: { age: 24 * 3600, count: 1_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
  // Without a listener, a lost connection would be printed as an unhandled error on every retry.
  queue.on("error", (error) => onError?.(error));
  return queue;
}

/**
 * The process managers' queue. A reaction retries for about half an hour (a store or a product
 * that is away passes); completed jobs stay a week, and while a job is kept its id refuses a
 * second job for the same event. After that, the steps' idempotency keys still make a replayed
 * event change nothing.
 */
export function processQueue<T>(settings: QueueSettings, onError?: (error: Error) => void): Queue<T> {
  const queue = new Queue<T>(queueNames.processes, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: {
      attempts: 12,
      backoff: { type: "exponential", delay: 500 },
      removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
  queue.on("error", (error) => onError?.(error));
  return queue;
}

/**
 * Closes a queue, worker or event listener, but never waits past `ms` (a Redis that went away
 * mid-close): then its connections are cut.
 */
export async function closeWithin(
  closable: { close(): Promise<void>; disconnect(): Promise<void> },
  ms: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = closable.close().then(
    () => true,
    () => false,
  );
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const inTime = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (!inTime) await closable.disconnect().catch(() => undefined);
}
