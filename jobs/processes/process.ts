import type { EventFilter, EventLog } from "../../eventstore/port";
import type { CausingEvent, ProcessSteps } from "./steps";

/** What a reaction may use: its steps (commands with derived keys) and the log, to read facts. */
export interface ProcessContext {
  readonly steps: ProcessSteps;
  readonly log: EventLog;
}

/**
 * A process manager: it reacts to events by sending commands to other aggregates. Each reaction
 * runs as a BullMQ job whose id is derived from the causing event's id, so a repeated or replayed
 * event starts nothing twice; its steps are idempotent commands (steps.ts), so a job that died
 * between two steps is run again from the start and finishes what the first run began.
 */
export interface ProcessManager {
  readonly name: string;
  /** The events its consumer group reads (a coarse filter: stream prefixes, event types). */
  readonly filter: EventFilter;
  /** Whether this event starts a reaction (finer than the filter: it may read the data). */
  reactsTo(event: CausingEvent): boolean;
  /** Reacts to the event; answers what it did, for the job's result and the logs. */
  react(event: CausingEvent, context: ProcessContext): Promise<string>;
}
