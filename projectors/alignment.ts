import type { EventStore, Position } from "../eventstore/port";
import { comparePositions, formatPosition, parsePosition } from "../eventstore/position";
import type { ProjectorBookkeeping } from "../readmodels/projector-bookkeeping";
import type { ProjectorStatus } from "./freshness";
import type { Log } from "./log";
import type { Projector } from "./projector";

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
export async function alignGroupWithRedis({
  store,
  groupName,
  bookkeeping,
  log,
  projector,
  consumerName,
}: {
  store: EventStore;
  groupName: string;
  bookkeeping: ProjectorBookkeeping;
  log: Log;
  projector: Projector;
  consumerName: string;
}): Promise<Alignment> {
  const inRedis = await bookkeeping.checkpoint();
  const group = await store.getConsumerGroup(groupName);
  const inStore = group?.checkpoint ?? null;
  const redisBehind =
    inStore !== null && (inRedis === null || comparePositions(parsePosition(inRedis), inStore) < 0);
  // A group another process holds is that process's to align: a standby that reset it would take
  // it from a healthy holder. And a group that only moved over events this view does not take (its
  // checkpoint passes them) with nothing ever written to Redis has lost nothing.
  const heldByOther = group?.activeConsumer != null && group.activeConsumer !== consumerName;
  if (redisBehind && !heldByOther && (inRedis !== null || (await anyTaken(store, projector, inStore)))) {
    if (inRedis === null) {
      log.warn(
        { projector: projector.name, groupCheckpoint: formatPosition(inStore) },
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

/** Whether the log holds an event this projector takes at or before `upTo`. */
async function anyTaken(store: EventStore, projector: Projector, upTo: Position): Promise<boolean> {
  const [first] = await store.readAll({ maxCount: 1, filter: projector.filter });
  return first !== undefined && comparePositions(first.position, upTo) <= 0;
}
