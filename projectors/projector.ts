import type { EventFilter, RecordedEvent } from "../eventstore/port";
import type { Guard, ViewOp } from "../readmodels/batch-writer";

/** What one event changes in a read model: pure data, written atomically by the runtime. */
export interface Projection {
  /** Null: the event is not this projector's to apply (another partition's), nothing is written. */
  readonly guard: Guard | null;
  readonly ops: readonly ViewOp[];
  readonly notices: readonly (readonly [channel: string, message: string])[];
}

/**
 * A read model's projector: which events it takes and what each one changes. `project` is pure
 * (no I/O), so it can be specified as given events → then view. It must return a projection for
 * every event its filter lets through, with the guard advancing even when nothing else changes,
 * so the per-stream revision chain has no holes.
 */
export interface Projector {
  readonly name: string;
  readonly filter: EventFilter;
  /** The guard an event advances, without projecting it (used to pass over a skipped event). */
  guardFor(event: RecordedEvent): Guard | null;
  project(event: RecordedEvent): Projection;
}
