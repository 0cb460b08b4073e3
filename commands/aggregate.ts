import { fold, type Decider, type DomainEvent } from "../domain/shared/decider";
import type { RecordedEvent } from "../eventstore/port";

/** Everything the runtime needs to know about one kind of aggregate. */
export interface AggregateType<Command extends { type: string }, Event extends DomainEvent, State> {
  readonly name: string;
  readonly decider: Decider<Command, Event, State>;
  streamId(aggregateId: string): string;
  /** Reads a stored event into today's shape (upcasting older schema versions). */
  fromStored(event: RecordedEvent): Event;
  /** Schema version written with new events of this type. */
  schemaVersionOf(event: Event): number;
  /**
   * Version of the state's shape, kept with snapshots: raise it whenever the state type changes,
   * and snapshots of the old shape are ignored (and replaced) instead of being mis-read.
   */
  readonly stateVersion: number;
}

/**
 * The aggregate's state after `recorded`: each stored event read into today's shape, then folded
 * by the decider (from `from` when the events continue a known state). Loading a stream for a
 * command and replaying one for debugging are this same fold.
 */
export function foldStored<C extends { type: string }, E extends DomainEvent, S>(
  aggregate: AggregateType<C, E, S>,
  recorded: readonly RecordedEvent[],
  from?: S,
): S {
  return fold(
    aggregate.decider,
    recorded.map((event) => aggregate.fromStored(event)),
    from,
  );
}
