import { nowMs } from "./clock";

export interface Saturation {
  readonly perSecond: number;
  readonly completed: number;
  readonly errors: number;
}

/**
 * `concurrency` workers in this process, each calling `op` back to back for `seconds`: the
 * closed loop used for the in-process baselines (plain INSERTs, store appends).
 */
export async function saturate(
  concurrency: number,
  seconds: number,
  op: (worker: number) => Promise<unknown>,
): Promise<Saturation> {
  let completed = 0;
  let errors = 0;
  const start = nowMs();
  const end = start + seconds * 1000;
  const worker = async (index: number) => {
    while (nowMs() < end) {
      try {
        await op(index);
        completed++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  return { perSecond: completed / ((nowMs() - start) / 1000), completed, errors };
}
