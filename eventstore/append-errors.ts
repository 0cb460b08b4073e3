/**
 * Append errors the port names for every adapter. Each is a caller's mistake, not a race, so
 * retrying the same request will fail the same way.
 */

/** Some of the event ids were already appended, but not as exactly this append to this stream. */
export class EventIdsAlreadyUsed extends Error {
  readonly code = "EVENT_IDS_ALREADY_USED";
  constructor(
    readonly streamId: string,
    readonly usedIds: readonly string[],
    detail: string,
  ) {
    super(`Append to ${streamId}: event ids ${usedIds.join(", ")} ${detail}`);
    this.name = "EventIdsAlreadyUsed";
  }
}

/** The append request itself is malformed (no events, an id that is not a UUID, a bad revision). */
export class InvalidAppend extends Error {
  readonly code = "INVALID_APPEND";
  constructor(
    readonly streamId: string,
    reason: string,
  ) {
    super(`Append to ${streamId}: ${reason}`);
    this.name = "InvalidAppend";
  }
}
