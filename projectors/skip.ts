import type { Redis } from "ioredis";
import type { EventStore } from "../eventstore/port";
import type { ReadModelKeys } from "../readmodels/keys";
import { projectorGroup } from "./runtime";

/**
 * Skips a parked event after an operator decided it should never be applied: it is marked, then
 * the parked events up to it are replayed; the projector passes the marked one as a no-op (its
 * stream's guard advances, nothing else is written), so the events parked behind it apply in order.
 * Returns how many parked events were replayed, or null when the event is not parked.
 */
export async function skipParkedEvent(
  store: EventStore,
  redis: Redis,
  keys: ReadModelKeys,
  projector: string,
  eventId: string,
): Promise<number | null> {
  const group = projectorGroup(projector);
  const parked = await store.listParked(group, { limit: 10_000 });
  const index = parked.findIndex((p) => p.event.id === eventId);
  if (index < 0) return null;
  await redis.sadd(keys.skippedEvents(projector), eventId);
  return store.replayParked(group, { limit: index + 1 });
}
