/** What a job reports while it runs (BullMQ's progress, as an object). */
export interface JobProgress {
  /** Units of work done (events read or applied). */
  readonly done: number;
  /** Units to do in all, when known. */
  readonly total: number | null;
  /** Units per second this attempt of the job did, since it started (see progressMeter). */
  readonly ratePerSecond: number;
  /** Seconds left at that rate, when the total is known. */
  readonly etaSeconds: number | null;
  /** What the job is doing now, in words. */
  readonly stage: string;
}

/**
 * Builds progress reports with rate and time left measured from `startedAt`, when this attempt of
 * the job started (BullMQ's `processedOn`). `doneBefore` is the work an earlier attempt left done
 * (a rebuild resumed from its checkpoint), so the rate counts this attempt's work only. The
 * baseline is not taken from a report: a job that reports once, at its end, would show 0/s.
 */
export function progressMeter(startedAt: number = Date.now(), doneBefore = 0) {
  return (done: number, total: number | null, stage: string): JobProgress => {
    const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
    const ratePerSecond = Math.round(Math.max(0, done - doneBefore) / seconds);
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
