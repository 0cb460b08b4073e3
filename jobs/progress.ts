/** What a job reports while it runs (BullMQ's progress, as an object). */
export interface JobProgress {
  /** Units of work done (events read or applied). */
  readonly done: number;
  /** Units to do in all, when known. */
  readonly total: number | null;
  /** Units per second since the job started. */
  readonly ratePerSecond: number;
  /** Seconds left at that rate, when the total is known. */
  readonly etaSeconds: number | null;
  /** What the job is doing now, in words. */
  readonly stage: string;
}

/**
 * Builds progress reports with rate and time left measured from the job's start. A job resumed
 * from where an earlier attempt stopped measures its rate from what this attempt did: the first
 * report's `done` is the baseline.
 */
export function progressMeter(startedAt = Date.now()) {
  let baseline: number | null = null;
  return (done: number, total: number | null, stage: string): JobProgress => {
    baseline ??= done;
    const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
    const ratePerSecond = Math.round(Math.max(0, done - baseline) / seconds);
    const left = total !== null ? Math.max(0, total - done) : null;
    return {
      done,
      total,
      ratePerSecond,
      etaSeconds: left !== null && ratePerSecond > 0 ? Math.ceil(left / ratePerSecond) : null,
      stage,
    };
  };
}
