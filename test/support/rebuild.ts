import type { Redis } from "ioredis";
import type { EventStore } from "../../eventstore/port";
import { waitCaughtUp } from "../../gameday/lib/rebuild";

export { cleanRebuild, readModels } from "../../gameday/lib/rebuild";

/** Waits until every projector under `prefix` has applied every event its filter takes. */
export function caughtUp(
  store: EventStore,
  redis: Redis,
  prefix: string,
  timeoutMs = 60_000,
  only?: readonly string[],
): Promise<void> {
  return waitCaughtUp(store, redis, prefix, timeoutMs, only);
}
