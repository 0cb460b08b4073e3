import type { AllStreamRecordedEvent, RecordedEvent as ClientRecordedEvent } from "@kurrent/kurrentdb-client";
import type { EventFilter, Position, ReadAllOptions, ReadStreamOptions, RecordedEvent } from "../port";
import { comparePositions } from "../position";
import { isNoStream } from "./errors";
import { fromClientEvent } from "./events";
import { planFilter, type FilterPlan } from "./filters";
import type { KurrentIo } from "./io";
import { atOrBefore, fromClientPosition, readAllFrom, toClientPosition } from "./positions";
import { toClientRevision } from "./revisions";

/** Events per request when a read has to be continued (a filter applied here, a count). */
const PAGE = 500;
const HEAD_PAGE = 20;

/**
 * Reads one stream. `until` keeps the events recorded at or before an instant: KurrentDB stamps
 * each event when it is written (`created`, millisecond precision once converted) and a stream's
 * events are written in order, so a forward read stops at the first later one.
 */
export async function readStream(
  io: KurrentIo,
  streamId: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const { maxCount } = options;
  if (maxCount === 0) return [];
  const backwards = options.direction === "backwards";
  const until = options.until?.getTime();
  const fromRevision =
    options.fromRevision === undefined
      ? backwards
        ? "end"
        : "start"
      : toClientRevision(options.fromRevision);
  return io.retrying(
    async () => {
      const found: RecordedEvent[] = [];
      try {
        for await (const { event } of io.client.readStream(streamId, {
          direction: backwards ? "backwards" : "forwards",
          fromRevision,
          // With `until`, later events are dropped here, so the server cannot do the counting.
          ...(until === undefined && maxCount !== undefined && { maxCount }),
        })) {
          if (!event) continue;
          if (until !== undefined && event.created.getTime() > until) {
            if (backwards) continue;
            break;
          }
          found.push(fromClientEvent(event));
          if (maxCount !== undefined && found.length >= maxCount) break;
        }
      } catch (error) {
        if (isNoStream(error)) return [];
        throw error;
      }
      return found;
    },
    { streamId },
  );
}

/**
 * Reads `$all` after a position (exclusive), in log order, without system records. The server
 * applies one half of the filter (see filters.ts); when this side drops events, reading goes on
 * page by page until `maxCount` events are found or the log ends.
 */
export async function readAll(io: KurrentIo, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const wanted = options.maxCount ?? Number.POSITIVE_INFINITY;
  if (wanted <= 0) return [];
  const plan = planFilter(options.filter);
  return io.retrying(async () => {
    const found: RecordedEvent[] = [];
    let cursor = options.after ?? null;
    for (;;) {
      // A forward read includes the event at its start position, which the cursor already covers.
      const asked = Math.min(PAGE, wanted - found.length) + (cursor ? 1 : 0);
      let read = 0;
      for await (const { event } of io.client.readAll({
        fromPosition: readAllFrom(cursor),
        maxCount: asked,
        filter: plan.server,
      })) {
        read++;
        const position = event ? fromClientPosition(event.position) : null;
        if (!event || !position || atOrBefore(position, cursor)) continue;
        cursor = position;
        if (!plan.matches(event)) continue;
        found.push(fromClientEvent(event, position));
        if (found.length >= wanted) return found;
      }
      if (read < asked) return found;
    }
  });
}

/** The newest event of the global log (system records excluded). */
export async function headPosition(io: KurrentIo): Promise<Position | null> {
  const plan = planFilter(undefined);
  return io.retrying(async () => {
    let head: Position | null = null;
    // Usually the first event answers: a small page leaves little unread behind.
    await scanBackwards(io, plan, HEAD_PAGE, (position) => {
      head = position;
      return false;
    });
    return head;
  });
}

/**
 * Counts matching events after a position, reading `$all` backwards from its end. KurrentDB keeps
 * no such count, so this costs a read per event of lag; it stops at `limit` and answers the limit:
 * enough for a lag gauge, and a projector rebuilding millions of events does not rescan them all
 * every second.
 */
export async function countAfter(
  io: KurrentIo,
  position: Position | null,
  filter: EventFilter | undefined,
  limit: number,
): Promise<number> {
  const plan = planFilter(filter);
  return io.retrying(async () => {
    let count = 0;
    await scanBackwards(io, plan, PAGE, (at) => {
      if (atOrBefore(at, position)) return false;
      count++;
      return count < limit;
    });
    return count;
  });
}

/**
 * Visits matching events from the end of `$all` backwards until `visit` returns false or the log
 * starts. A page that continues from a cursor may include the cursor's event: it is skipped.
 */
async function scanBackwards(
  io: KurrentIo,
  plan: FilterPlan,
  pageSize: number,
  visit: (position: Position, event: AllStreamRecordedEvent) => boolean,
): Promise<void> {
  let cursor: Position | null = null;
  for (;;) {
    let read = 0;
    const page = io.client.readAll({
      direction: "backwards",
      fromPosition: cursor ? toClientPosition(cursor) : "end",
      maxCount: pageSize,
      filter: plan.server,
    });
    for await (const { event } of page) {
      read++;
      const position: Position | null = event ? fromClientPosition(event.position) : null;
      if (!event || !position) continue;
      if (cursor && comparePositions(position, cursor) >= 0) continue;
      cursor = position;
      if (plan.matches(event) && !visit(position, event)) return;
    }
    if (read < pageSize) return;
  }
}

/**
 * The last event of one of this adapter's record streams, or null when there is none. Read from the
 * leader: these records decide races, and a follower that lags would mislead.
 */
export async function readLastEvent(io: KurrentIo, streamId: string): Promise<ClientRecordedEvent | null> {
  return io.retrying(
    async () => {
      try {
        for await (const { event } of io.client.readStream(streamId, {
          direction: "backwards",
          fromRevision: "end",
          maxCount: 1,
          requiresLeader: true,
        })) {
          if (event) return event;
        }
      } catch (error) {
        if (isNoStream(error)) return null;
        throw error;
      }
      return null;
    },
    { streamId },
  );
}
