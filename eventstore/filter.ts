import type { EventFilter, RecordedEvent } from "./port";

/**
 * Whether a consumer group with this filter is delivered the event: the adapters apply filters in
 * the store, this is the same rule in memory (for code that runs reactions or contracts itself).
 */
export function admits(filter: EventFilter, event: Pick<RecordedEvent, "streamId" | "type">): boolean {
  return (
    (filter.streamPrefixes === undefined ||
      filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix))) &&
    (filter.eventTypes === undefined || filter.eventTypes.includes(event.type))
  );
}
