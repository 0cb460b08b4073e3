import type { Position } from "../port";
import { comparePositions } from "../position";
import { positionFromJson, type GroupState } from "./group-state";
import { laterOf } from "./positions";

/*
 * The port's checkpoint is "the position of the last settled event", visible as soon as the batch
 * that settled it is. KurrentDB's own checkpoint is written in the background, lags by design, and
 * may point past events the server filtered out, so it is not that. This adapter keeps its own:
 * in memory, exact, in the process whose subscription settles the events; in the group's state
 * (group-state.ts) every few seconds and when the subscription lets go, for everyone else.
 */

interface Known {
  readonly generation: number;
  readonly token: string;
  readonly position: Position;
}

/** Checkpoints learned by this process's subscriptions, per group. */
export class LocalCheckpoints {
  private readonly byGroup = new Map<string, Known>();

  get(group: string): Known | undefined {
    return this.byGroup.get(group);
  }

  advance(group: string, generation: number, token: string, position: Position): void {
    const known = this.byGroup.get(group);
    const same = known && known.generation === generation && known.token === token;
    if (same && comparePositions(position, known.position) <= 0) return;
    this.byGroup.set(group, { generation, token, position });
  }

  forget(group: string): void {
    this.byGroup.delete(group);
  }
}

/**
 * The checkpoint to report. What this process learned counts while it belongs to the state's
 * generation (no reset since) and to the subscription that holds the group, or held it last;
 * otherwise the stored one.
 */
export function reportedCheckpoint(state: GroupState, local: Known | undefined): Position | null {
  const stored = positionFromJson(state.checkpoint);
  if (!local || local.generation !== state.generation) return stored;
  const holder = state.owner?.token ?? state.lastHolder;
  return holder === local.token ? laterOf(stored, local.position) : stored;
}

/**
 * Moves a checkpoint over the events a batch settled for good (acked, parked, skipped), but never
 * past an event still being retried: the checkpoint says "everything up to here is done", and a
 * delivery at or before it is skipped as a duplicate.
 */
export function advanceCheckpoint(
  current: Position | null,
  settled: readonly Position[],
  retrying: readonly Position[],
): Position | null {
  const lowestRetry = retrying.reduce<Position | null>(
    (lowest, position) => (lowest === null || comparePositions(position, lowest) < 0 ? position : lowest),
    null,
  );
  const below = settled.filter((position) => !lowestRetry || comparePositions(position, lowestRetry) < 0);
  return below.reduce<Position | null>((latest, position) => laterOf(latest, position), current);
}
