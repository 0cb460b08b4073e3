/**
 * A decider is a plain value: `decide` turns a command and the current state into the events
 * that happened (or throws a DomainError), `evolve` folds one event into state and never fails.
 * Being plain data and functions, the same decider runs against any event store.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  readonly initialState: State;
}

/** A domain event as the domain sees it: a name and plain data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/**
 * The state `events` lead to: each evolved in turn into the state, starting from the decider's
 * initial state, or from `from` when the events continue a known state (a snapshot's).
 */
export function fold<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, "evolve" | "initialState">,
  events: readonly Event[],
  from: State = decider.initialState,
): State {
  return events.reduce(decider.evolve, from);
}

/** Ends an exhaustive switch: compiling fails when a case is missing. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
