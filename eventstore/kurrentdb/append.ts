import {
  WrongExpectedRevision,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type StreamRevision,
} from "../port";
import { EventIdsAlreadyUsed, InvalidAppend } from "../append-errors";
import { isNoStream, translateError } from "./errors";
import { reservedMetadataKeys, toEventData } from "./events";
import type { KurrentIo } from "./io";
import { fromClientPosition } from "./positions";
import { fromClientRevision, toClientRevision, toStreamState } from "./revisions";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How far back a refused append looks for its own events before calling it a conflict. */
const REPEAT_SCAN_LIMIT = 10_000;

/** Same rules as the PostgreSQL adapter, plus the names KurrentDB reserves (a leading "$"). */
export function validateAppend(
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): void {
  if (streamId.length === 0) throw new InvalidAppend(streamId, "the stream id is empty");
  if (streamId.startsWith("$")) {
    throw new InvalidAppend(streamId, 'stream ids starting with "$" are KurrentDB system streams');
  }
  if (events.length === 0) throw new InvalidAppend(streamId, "there are no events to append");
  if (typeof expected === "number" && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new InvalidAppend(streamId, `expected revision ${expected} is not a non-negative integer`);
  }
  const bad = events.find((event) => !UUID.test(event.id));
  if (bad) throw new InvalidAppend(streamId, `event id "${bad.id}" is not a UUID`);
  if (new Set(events.map((event) => event.id.toLowerCase())).size !== events.length) {
    throw new InvalidAppend(streamId, "the same event id appears twice");
  }
  for (const event of events) {
    const reserved = reservedMetadataKeys(event.metadata);
    if (reserved.length > 0) {
      throw new InvalidAppend(
        streamId,
        `metadata keys starting with "$" are reserved by KurrentDB (${reserved.join(", ")})`,
      );
    }
  }
}

/**
 * Appends with the expected revision, then reads back the last event: the append response's
 * position is the write's commit position, which for a repeat KurrentDB recognised by event id is
 * not the earlier events' position, and the port promises exactly the last event's `$all`
 * position (read-your-writes and lag compare against it). The read also confirms the last event
 * is this append's.
 *
 * A refusal (WrongExpectedVersion) may be a repeat the server did not recognise, since KurrentDB
 * checks event ids only at an older expected revision and, best effort, for "any": the stream is
 * searched for these ids; all found answers the earlier result, some found is a caller's error.
 */
export async function appendEvents(
  io: KurrentIo,
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  let nextRevision: bigint;
  try {
    const result = await io.client.appendToStream(streamId, events.map(toEventData), {
      streamState: toStreamState(expected),
    });
    nextRevision = result.nextExpectedRevision;
  } catch (error) {
    const translated = translateError(error, { streamId, expected });
    if (!(translated instanceof WrongExpectedRevision)) throw translated;
    const earlier = await findEarlierAppend(
      io,
      streamId,
      events.map((event) => event.id),
    );
    if (earlier) return earlier;
    throw translated;
  }
  return confirmAppend(io, streamId, events, fromClientRevision(nextRevision));
}

async function confirmAppend(
  io: KurrentIo,
  streamId: string,
  events: readonly EventToAppend[],
  nextRevision: StreamRevision,
): Promise<AppendResult> {
  const [last] = await readRevisions(io, streamId, nextRevision, 1);
  const expectedId = events.at(-1)!.id.toLowerCase();
  if (!last || last.id.toLowerCase() !== expectedId) {
    throw new Error(
      `Append to ${streamId} reported revision ${nextRevision}, but event ${expectedId} is not there`,
    );
  }
  return { nextRevision, position: last.position };
}

interface Located {
  readonly id: string;
  readonly revision: StreamRevision;
  readonly position: { commit: bigint; prepare: bigint };
}

/** Events of a stream from a revision on, with what the append logic needs of them. */
export async function readRevisions(
  io: KurrentIo,
  streamId: string,
  fromRevision: StreamRevision,
  count: number,
): Promise<Located[]> {
  return io.retrying(
    async () => {
      const found: Located[] = [];
      try {
        for await (const { event } of io.client.readStream(streamId, {
          fromRevision: toClientRevision(fromRevision),
          maxCount: count,
          requiresLeader: true,
        })) {
          const position = event ? fromClientPosition(event.position) : null;
          if (event && position) {
            found.push({ id: event.id, revision: fromClientRevision(event.revision), position });
          }
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
 * Looks for these event ids in the stream, newest first. All of them there: the append happened
 * before, and its result is the position of the last one. Some of them: the ids were used, but not
 * as this append, which no retry will fix. None: null.
 *
 * KurrentDB has no index by event id, so ids used in another stream cannot be found here (the
 * PostgreSQL adapter's unique index catches that; see the README).
 */
export async function findEarlierAppend(
  io: KurrentIo,
  streamId: string,
  ids: readonly string[],
): Promise<AppendResult | null> {
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  const found = await io.retrying(
    async () => {
      const hits: Located[] = [];
      let scanned = 0;
      try {
        for await (const { event } of io.client.readStream(streamId, {
          direction: "backwards",
          fromRevision: "end",
          maxCount: REPEAT_SCAN_LIMIT,
          requiresLeader: true,
        })) {
          scanned++;
          const position = event ? fromClientPosition(event.position) : null;
          if (event && position && wanted.has(event.id.toLowerCase())) {
            hits.push({ id: event.id, revision: fromClientRevision(event.revision), position });
            if (hits.length === wanted.size) break;
          }
          if (scanned >= REPEAT_SCAN_LIMIT) break;
        }
      } catch (error) {
        if (isNoStream(error)) return [];
        throw error;
      }
      return hits;
    },
    { streamId },
  );
  return earlierResult(streamId, wanted.size, found);
}

/** The verdict of findEarlierAppend on what it found (newest first). */
export function earlierResult(
  streamId: string,
  idCount: number,
  found: readonly Located[],
): AppendResult | null {
  if (found.length === 0) return null;
  if (found.length !== idCount) {
    throw new EventIdsAlreadyUsed(
      streamId,
      found.map((hit) => hit.id),
      "were already appended, but not with the other events of this append",
    );
  }
  const last = found.reduce((a, b) => (b.revision > a.revision ? b : a));
  return { nextRevision: last.revision, position: last.position };
}
