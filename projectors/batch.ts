import type { DeliveredEvent, PersistentSubscription } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { BatchOutcome, ViewUnit } from "../readmodels/batch-writer";
import { applyBatch, type ApplyOptions } from "./apply";
import type { ParkingPolicy } from "./parking";
import type { Projector } from "./projector";

export interface BatchResult {
  /** Redis lost the checkpoint: the view must be rebuilt from the start. */
  readonly lost: boolean;
  /** The checkpoint the apply script wrote, if it moved. */
  readonly checkpoint: string | null;
  readonly applied: number;
}

/**
 * One delivered batch: project every event (pure), pass over the ones an operator marked to skip,
 * apply the guarded writes + checkpoint in one Lua call, ack what applied or was a duplicate and
 * hand the rest to the parking policy with its cause.
 */
export async function handleBatch(
  { projector, parking, apply }: { projector: Projector; parking: ParkingPolicy; apply: ApplyOptions },
  subscription: PersistentSubscription,
  batch: readonly DeliveredEvent[],
  checkpoint: string | null,
): Promise<BatchResult> {
  await parking.backOff(batch, apply.signal);
  const failures = new Map<string, string>();
  let units = batch.map((event) => project(projector, event, failures));
  const skipped = await parking.skippedIn(batch, failures.size > 0);
  if (skipped.size > 0) {
    units = batch.map((event, i) => (skipped.has(event.id) ? parking.passOver(event) : units[i]!));
  }
  const outcome: BatchOutcome = await applyBatch(apply, checkpoint, units);
  if (outcome.kind === "lost") return { lost: true, checkpoint: null, applied: 0 };
  const settled: DeliveredEvent[] = [];
  let applied = 0;
  for (const [i, event] of batch.entries()) {
    const result = outcome.units[i];
    if (result === "applied" || result === "duplicate") {
      settled.push(event);
      if (result === "applied") applied++;
      continue;
    }
    const cause =
      result === "gap"
        ? null
        : (failures.get(event.id) ?? outcome.refusals?.get(i) ?? "the read model refused the event's writes");
    await parking.setAside(subscription, event, cause);
  }
  await subscription.ack(settled);
  await parking.skipsApplied(skipped);
  return { lost: false, checkpoint: outcome.checkpoint, applied };
}

/** The event's writes; a handler that throws gives a failed unit (retried, then parked). */
function project(projector: Projector, event: DeliveredEvent, failures: Map<string, string>): ViewUnit {
  const position = formatPosition(event.position);
  try {
    return { position, ok: true, ...projector.project(event) };
  } catch (error) {
    failures.set(event.id, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return { position, ok: false, guard: null, ops: [], notices: [] };
  }
}
