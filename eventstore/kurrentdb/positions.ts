import type { Position as ClientPosition, ReadPosition } from "@kurrent/kurrentdb-client";
import type { Position, StartFrom } from "../port";
import { comparePositions } from "../position";

/**
 * KurrentDB's `$all` positions are `{ commit, prepare }`, byte offsets in the transaction log, the
 * same shape as the port's Position, so the mapping is the identity on valid values. What needs
 * care is the invalid ones: the server encodes "no position" as -1, which reaches the client as an
 * unsigned 2^64 - 1; events of a replayed parked message or from old servers can carry it.
 */
export const MAX_LOG_POSITION = 2n ** 63n - 1n;

export function isValidPosition(position: ClientPosition | undefined | null): position is ClientPosition {
  return (
    position != null &&
    position.commit >= 0n &&
    position.prepare >= 0n &&
    position.commit <= MAX_LOG_POSITION &&
    position.prepare <= MAX_LOG_POSITION
  );
}

export function fromClientPosition(position: ClientPosition | undefined | null): Position | null {
  return isValidPosition(position) ? { commit: position.commit, prepare: position.prepare } : null;
}

export function toClientPosition(position: Position): ClientPosition {
  if (!isValidPosition(position)) {
    throw new RangeError(`${position.commit}:${position.prepare} is not a position in the log`);
  }
  return { commit: position.commit, prepare: position.prepare };
}

/** Where a forward read of `$all` starts: at the beginning, or at (and including) a position. */
export function readAllFrom(after: Position | null | undefined): ReadPosition {
  return after ? toClientPosition(after) : "start";
}

/** A persistent subscription's start: the port's "start" / "end" / position are the client's. */
export function toClientStartFrom(start: StartFrom): "start" | "end" | ClientPosition {
  return typeof start === "string" ? start : toClientPosition(start);
}

export function laterOf(a: Position | null, b: Position | null): Position | null {
  if (!a) return b;
  if (!b) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}

/** True when `position` is at or before `bound` (an absent bound is before everything). */
export function atOrBefore(position: Position, bound: Position | null): boolean {
  return bound !== null && comparePositions(position, bound) <= 0;
}
