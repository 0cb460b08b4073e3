import type { JsonObject } from "../eventstore/port";

/** What a command answers; also what an idempotency record stores and replays. */
export interface CommandResult {
  readonly aggregateId: string;
  readonly streamId: string;
  /** Revision of the stream's last event after the command. */
  readonly revision: number;
  /** Commit position of the last appended event ("commit:prepare"); null if nothing was appended. */
  readonly position: string | null;
  readonly eventIds: readonly string[];
  /** What happened, e.g. ["OrderPlaced"] or ["OrderRejected"]. */
  readonly eventTypes: readonly string[];
  /** True when this answer is the replay of an earlier request with the same idempotency key. */
  readonly replayed: boolean;
}

export function resultFromJson(json: JsonObject): CommandResult {
  return {
    aggregateId: String(json.aggregateId),
    streamId: String(json.streamId),
    revision: Number(json.revision),
    position: json.position === null ? null : String(json.position),
    eventIds: (json.eventIds as string[]).map(String),
    eventTypes: ((json.eventTypes as string[] | undefined) ?? []).map(String),
    replayed: true,
  };
}
