import { partitionName, partitionOf } from "../readmodels/keys";
import type { Projector } from "./projector";

export { partitionName, partitionOf };

/**
 * One partition of a busy projector: it applies only the streams that hash to it, so several
 * processes share the work while each stream stays with one partition and keeps its order. Each
 * partition has its own consumer group, checkpoint and ledger; events of other partitions are
 * acknowledged without touching Redis (no guard, no writes).
 */
export function partitioned(projector: Projector, index: number, count: number): Projector {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`A partition is "<index>/<count>" with 0 ≤ index < count; got ${index}/${count}`);
  }
  if (count === 1) return projector;
  return {
    name: partitionName(projector.name, index, count),
    filter: projector.filter,
    guardFor: (event) => (partitionOf(event.streamId, count) === index ? projector.guardFor(event) : null),
    project(event) {
      if (partitionOf(event.streamId, count) !== index) return { guard: null, ops: [], notices: [] };
      return projector.project(event);
    },
  };
}

/** Reads PROJECTOR_PARTITION ("2/4"), or null for a whole projector. */
export function parsePartition(text: string | undefined): { index: number; count: number } | null {
  if (!text) return null;
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`PROJECTOR_PARTITION must look like "0/2"; got "${text}"`);
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1 || index >= count) {
    throw new Error(`PROJECTOR_PARTITION is "<index>/<count>" with 0 ≤ index < count; got "${text}"`);
  }
  return { index, count };
}
