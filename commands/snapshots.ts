import type { JsonValue, Snapshot, SnapshotStore } from "../eventstore/port";

/**
 * When the command runtime snapshots an aggregate's state (after a command, with the state it
 * just produced), per aggregate type:
 * - count-based: `everyEvents` events after the last snapshot (or the start of the stream);
 * - size-based: the state's JSON is larger than `largerThanBytes` and at least `minEventsBetween`
 *   events came since the last snapshot (so a large aggregate is not snapshotted on every command).
 * - time-based: `sweep`, a periodic job (jobs/snapshot-sweep.ts) snapshots every aggregate of the
 *   type that changed since the last sweep.
 * Null (false) turns a rule off.
 */
export interface SnapshotPolicy {
  readonly everyEvents: number | null;
  readonly largerThanBytes: number | null;
  readonly minEventsBetween: number;
  /** Time-based: the periodic sweep snapshots this type's aggregates that changed since the last one. */
  readonly sweep: boolean;
}

export const defaultSnapshotPolicy: SnapshotPolicy = {
  everyEvents: 100,
  largerThanBytes: 64 * 1024,
  minEventsBetween: 10,
  sweep: true,
};

export interface SnapshotSettings {
  readonly store: SnapshotStore;
  /** The policy of an aggregate type (by `AggregateType.name`). */
  readonly policyFor?: (aggregate: string) => SnapshotPolicy;
  /** A snapshot of another state shape was found and not used (it is replaced by the next one). */
  readonly onIgnored?: (info: { streamId: string; found: number; expected: number }) => void;
  /** Writing a snapshot failed: the command still succeeded, the next one will try again. */
  readonly onWriteFailed?: (info: { streamId: string; error: unknown }) => void;
}

/** Whether the state after `revision` should be snapshotted, the last snapshot being at `since`. */
export function shouldSnapshot(
  policy: SnapshotPolicy,
  revision: number,
  since: number,
  state: unknown,
): boolean {
  const events = revision - since;
  if (events <= 0) return false;
  if (policy.everyEvents !== null && events >= policy.everyEvents) return true;
  if (policy.largerThanBytes !== null && events >= policy.minEventsBetween) {
    return Buffer.byteLength(JSON.stringify(state)) > policy.largerThanBytes;
  }
  return false;
}

/** The state at `revision`, tagged with the aggregate's state shape so a later shape ignores it. */
export function snapshotOf<S>(
  aggregate: { readonly stateVersion: number },
  streamId: string,
  revision: number,
  state: S,
): Omit<Snapshot, "takenAt"> {
  return { streamId, revision, stateVersion: aggregate.stateVersion, state: state as JsonValue };
}
