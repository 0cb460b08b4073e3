import type { EventStore } from "../eventstore/port";
import { comparePositions, formatPosition, parsePosition } from "../eventstore/position";
import type { ProjectorBookkeeping } from "../readmodels/projector-bookkeeping";
import type { ProjectorStatus } from "./freshness";
import type { Log } from "./log";

export interface Alignment {
  /** Where the projector resumes: Redis's checkpoint (null: from the start). */
  readonly checkpoint: string | null;
  readonly status: ProjectorStatus;
  /** The log's head when the projector starts behind it: reaching it means caught up. */
  readonly rebuildTarget: string | null;
  /** The group's retry budget per event. */
  readonly maxRetryCount: number;
}

/**
 * Redis is the authority on what the views hold: when it is behind the consumer group (it lost
 * data, or a batch was settled in the store but its write never reached Redis), the group is moved
 * back to it, and a checkpoint gone altogether means the views are rebuilt from the start (said in
 * the log). When Redis is ahead nothing moves: the events between are redelivered and skipped as
 * duplicates, and a standby process does not take the group from the active one.
 */
export async function alignGroupWithRedis(
  store: EventStore,
  groupName: string,
  bookkeeping: ProjectorBookkeeping,
  log: Log,
  projector: string,
): Promise<Alignment> {
  const inRedis = await bookkeeping.checkpoint();
  const group = await store.getConsumerGroup(groupName);
  const inStore = group?.checkpoint ?? null;
  const redisBehind =
    inStore !== null && (inRedis === null || comparePositions(parsePosition(inRedis), inStore) < 0);
  if (redisBehind) {
    if (inRedis === null) {
      log.warn(
        { projector, groupCheckpoint: formatPosition(inStore) },
        "read model checkpoint missing in Redis (Redis lost its data?); rebuilding the view from the start of the log",
      );
    }
    await store.resetConsumerGroup(groupName, inRedis ? parsePosition(inRedis) : null);
  }
  const head = await store.headPosition();
  const behind = head !== null && (inRedis === null || comparePositions(parsePosition(inRedis), head) < 0);
  return {
    checkpoint: inRedis,
    status: !behind ? "live" : inRedis === null && inStore !== null ? "rebuilding" : "catching_up",
    rebuildTarget: behind ? formatPosition(head) : null,
    maxRetryCount: group?.settings.maxRetryCount ?? 5,
  };
}
