import type { Position } from "./port";

/** Positions order by (commit, prepare), as KurrentDB's $all positions do. */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** Text form used at every edge (GraphQL, Redis, logs): "<commit>:<prepare>". */
export function formatPosition(p: Position): string {
  return `${p.commit}:${p.prepare}`;
}

/**
 * The position before every event, in text form: where a view stands that no event has changed
 * yet. Resuming from it misses nothing, as every change of the view comes after it.
 */
export const beforeEveryEvent = "0:0";

export class InvalidPosition extends Error {
  readonly code = "INVALID_POSITION";
  constructor(readonly text: string) {
    super(`"${text}" is not a position; expected "<commit>:<prepare>" with two non-negative integers`);
    this.name = "InvalidPosition";
  }
}

export function parsePosition(text: string): Position {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(text);
  if (!match) throw new InvalidPosition(text);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
