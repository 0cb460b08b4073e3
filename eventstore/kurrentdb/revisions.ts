import type { AppendStreamState, CurrentStreamState } from "@kurrent/kurrentdb-client";
import type { ExpectedRevision, StreamRevision } from "../port";

/**
 * Stream revisions: the port counts them in JavaScript numbers, the client in bigints (a stream can
 * in principle hold 2^63 events). A revision past Number.MAX_SAFE_INTEGER cannot be represented
 * exactly here, so it is refused rather than silently rounded.
 */
export function fromClientRevision(revision: bigint): StreamRevision {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Stream revision ${revision} is outside the range this service can represent`);
  }
  return Number(revision);
}

export function toClientRevision(revision: StreamRevision): bigint {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new RangeError(`Stream revision ${revision} is not a non-negative integer`);
  }
  return BigInt(revision);
}

/** The port's expected revision as the client's `streamState` option of appendToStream. */
export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case "no_stream":
    case "stream_exists":
    case "any":
      return expected;
    default:
      return toClientRevision(expected);
  }
}

/** The reverse of toStreamState, for errors the client raises about an append it made. */
export function fromStreamState(state: AppendStreamState): ExpectedRevision {
  return typeof state === "bigint" ? fromClientRevision(state) : state;
}

/**
 * The revision a WrongExpectedVersion error reports. KurrentDB reports a deleted stream with a
 * negative revision; for the port that stream has no events, which is "no_stream".
 */
export function actualRevision(state: CurrentStreamState | undefined): StreamRevision | "no_stream" {
  if (state === undefined || state === "no_stream" || state < 0n) return "no_stream";
  return fromClientRevision(state);
}
