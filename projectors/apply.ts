import { ReplyError } from "ioredis";
import type { BatchOutcome, Fence, ReadModelWriter, UnitOutcome, ViewUnit } from "../readmodels/batch-writer";
import type { Log } from "./log";
import { pause } from "./parking";

/**
 * Replies with which Redis says "not now" rather than "not this": out of memory, busy with a
 * script, loading, a replica, a cluster in flux. Like a lost connection, they pass; the batch waits.
 */
const transientReply =
  /^(OOM|BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MISCONF|NOREPLICAS|MOVED|ASK)\b/;

/** True when Redis answered and refused the batch itself (a script error), not when it is away. */
export function refusedByRedis(error: unknown): error is Error {
  return error instanceof ReplyError && !transientReply.test((error as Error).message);
}

export interface ApplyOptions {
  readonly writer: ReadModelWriter;
  readonly checkpointKey: string;
  readonly projector: string;
  readonly log: Log;
  /** First wait before writing again while Redis is away; doubles per attempt up to 5 s. */
  readonly retryMs: number;
  /** Aborts when the runner stops: no more waiting for Redis. */
  readonly signal: AbortSignal;
  /** Write only while the view's live generation is the one written to (see readmodels/generations). */
  readonly fence?: Fence | null;
}

/**
 * Writes one batch through the apply script, telling two failures apart:
 * - Redis away (connection lost, or a transient refusal): wait and write again, with a growing
 *   wait, logged once per outage; a stopping runner gives up at once (nothing was acked that was
 *   not written, so the next owner redelivers the batch).
 * - Redis refusing the batch itself (a script error the script's own checks did not foresee):
 *   the units are written one by one so the one Redis refuses is reported failed, with the
 *   error as its reason, and goes to the retry and parking policy like any failed event, while
 *   the others apply.
 */
export async function applyBatch(
  options: ApplyOptions,
  checkpoint: string | null,
  units: readonly ViewUnit[],
): Promise<BatchOutcome> {
  const { writer, checkpointKey, log, projector, signal } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      const outcome = await writer.apply(checkpointKey, checkpoint, units, { fence: options.fence });
      if (attempt > 0) log.info({ projector, attempts: attempt + 1 }, "redis took the batch again");
      return outcome;
    } catch (error) {
      if (refusedByRedis(error)) return applyOneByOne(options, checkpoint, units);
      if (signal.aborted) throw error;
      if (attempt === 0) {
        log.warn({ projector, err: error }, "could not write the batch to Redis; retrying until it answers");
      }
      await pause(Math.min(5_000, options.retryMs * 2 ** Math.min(attempt, 10)), signal);
    }
  }
}

async function applyOneByOne(
  options: ApplyOptions,
  checkpoint: string | null,
  units: readonly ViewUnit[],
): Promise<BatchOutcome> {
  const outcomes: UnitOutcome[] = [];
  const refusals = new Map<number, string>();
  let written: string | null = null;
  let hold = false;
  for (const [i, unit] of units.entries()) {
    try {
      const outcome = await options.writer.apply(options.checkpointKey, written ?? checkpoint, [unit], {
        hold,
        fence: options.fence,
      });
      if (outcome.kind !== "ok") return outcome;
      const result = outcome.units[0] ?? "failed";
      outcomes.push(result);
      const reason = outcome.refusals?.get(0);
      if (reason !== undefined) refusals.set(i, reason);
      if (outcome.checkpoint) written = outcome.checkpoint;
      if (result === "gap" || result === "failed") hold = true;
    } catch (error) {
      if (!refusedByRedis(error)) throw error;
      outcomes.push("failed");
      refusals.set(i, `Redis refused the writes: ${error.message}`);
      hold = true;
    }
  }
  return { kind: "ok", checkpoint: written, units: outcomes, ...(refusals.size > 0 && { refusals }) };
}
