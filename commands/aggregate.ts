import type { Decider, DomainEvent } from "../domain/shared/decider";
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
}
