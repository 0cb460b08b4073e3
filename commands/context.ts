import type { JsonValue } from "../eventstore/port";

/** Who asks, and why: becomes every event's metadata. Built at the edge (resolver, job, CLI). */
export interface CommandContext {
  readonly userId?: string;
  readonly correlationId?: string;
  /** Id of the message that caused this command (an event for process managers). */
  readonly causationId?: string;
  /** The instant the command was accepted; the domain never reads a clock. */
  readonly now: Date;
  readonly idempotency?: {
    readonly key: string;
    /** The request as the client sent it (not the enriched command, whose ids are fresh). */
    readonly request: JsonValue;
  };
}
