import type { Redis } from "ioredis";
import type { EventFilter, RecordedEvent } from "../eventstore/port";
import type { Guard, ViewOp } from "./batch-writer";
import type { ReadModelKeys } from "./keys";
import type { ViewChange } from "./view-history";

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

/**
 * Where a live client gets one view from: the channel its changes are announced on, the view
 * now, and the changes after a position (oldest first; `complete` is false when the kept history
 * no longer reaches back that far).
 */
export interface LiveSource<T> {
  readonly channel: string;
  /**
   * What else, besides the channel, decides what `changesSince` answers (a ranking's length, say):
   * sources of one channel read their changes once for all their clients only where this is equal.
   */
  readonly variant?: string;
  /**
   * The view now and the position it reflects. Null only where there is nothing to show (no such
   * order); a view no event has changed yet (a currency with no revenue) is its empty view, at the
   * position before every event, so clients still get a first push and resume without a gap.
   */
  current(): Promise<{ position: string; view: T } | null>;
  changesSince(position: string): Promise<{ changes: ViewChange<T>[]; complete: boolean }>;
}

/**
 * A read model, whole, in one module: its name (also its projector's and consumer group's), the
 * events it takes and what each changes (its projector, pure), and how it is read (its reader,
 * which also gives its live sources). Everything else reaches the view through this: the
 * projector runtime runs `projector`, the gateway hands `reader` to resolvers, freshness and
 * read-your-writes go by `name`. Adding a view is one folder under `readmodels/` and one line in
 * `readmodels/registry.ts`.
 */
export interface ViewModule<Name extends string = string, Reader = unknown> {
  readonly name: Name;
  /**
   * True when every key the view writes is placed by the stream of the event that writes it (see
   * `Placement` in keys.ts): an entity's own keys, and any index gathering many entities kept once
   * per partition and merged by its reader (`inEveryPartition`). On a Redis Cluster with projector
   * partitions such a view is spread over one hash tag per partition. A view whose reads cannot be
   * combined cheaply from per-partition parts (a ranking or a range over sums of many streams'
   * events) keeps one tag, written by every partition.
   */
  readonly spreads?: boolean;
  projector(keys: ReadModelKeys): Projector;
  reader(redis: Redis, keys: ReadModelKeys): Reader;
}

/** Declares a view module (the identity, with the types kept). */
export function defineView<Name extends string, Reader>(
  module: ViewModule<Name, Reader>,
): ViewModule<Name, Reader> {
  return module;
}
