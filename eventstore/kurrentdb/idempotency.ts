import { createHash, randomUUID } from "node:crypto";
import { jsonEvent } from "@kurrent/kurrentdb-client";
import {
  IdempotencyKeyTaken,
  WrongExpectedRevision,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type IdempotencyRecord,
  type JsonObject,
} from "../port";
import { EventIdsAlreadyUsed, InvalidAppend } from "../append-errors";
import { appendEvents, findEarlierAppend, readRevisions } from "./append";
import { isWrongExpectedVersion, translateError } from "./errors";
import type { KurrentIo } from "./io";
import { readLastEvent } from "./reads";

/*
 * Idempotency records on KurrentDB (a command repeated with its key answers what the first one
 * answered and appends nothing, however the two race): one stream per key,
 * `ledgerline.idempotency-<sha256 of the key>`, whose first event is appended with "no stream".
 * That append is the lock: of two requests with one key, exactly one creates the stream; the
 * other gets IdempotencyKeyTaken and reads the first one's answer.
 *
 * KurrentDB cannot append to two streams atomically (before the multi-stream appends of 25.1), so
 * the record is written BEFORE the main append and holds everything needed to finish it: the
 * request's fingerprint and answer, and the events with their expected revision. Its last event
 * says how far it got:
 *
 *   reserved   written first; the main append may or may not have happened
 *   completed  the main append happened; carries its result
 *   voided     the main append was refused; the key is free again
 *
 * The failure window is between "reserved" and "completed": the process dies, or the connection
 * drops and the outcome of the main append is unknown. Nothing is guessed then. Whoever next reads
 * the record (a retry of the request does, first thing) resolves it: if the events are in the
 * stream at the revision the record names, the append happened and the record is completed with
 * its result; if they are not, the same events are appended again with the same expected revision,
 * which KurrentDB recognises by event id if the first attempt lands after all (it deduplicates a
 * repeat at the same expected revision), and otherwise refuses both if the stream moved on, in
 * which case the record is voided and the request runs afresh. Either way the events are appended
 * at most once and the answer is the first one's.
 *
 * Record events have "$" types, so readers of the global log never see them.
 */

const RESERVED = "$ledgerline.idempotency-reserved";
const COMPLETED = "$ledgerline.idempotency-completed";
const VOIDED = "$ledgerline.idempotency-voided";

export function idempotencyStream(key: string): string {
  return `ledgerline.idempotency-${createHash("sha256").update(key).digest("hex")}`;
}

interface StoredEvent {
  id: string;
  type: string;
  data: JsonObject;
  metadata?: JsonObject;
  schemaVersion?: number;
}

/** The record as stored (JSON): the port's fields, and how to finish the append. */
export interface StoredRecord {
  key: string;
  fingerprint: string;
  streamId: string;
  answer: JsonObject;
  expectedRevision: ExpectedRevision;
  /** Only on "reserved": a completed record no longer needs them. */
  events?: StoredEvent[];
  appended?: { nextRevision: number; commit: string; prepare: string };
}

export type RecordState =
  | { readonly kind: "absent" }
  | { readonly kind: "voided"; readonly revision: bigint }
  | { readonly kind: "reserved"; readonly revision: bigint; readonly record: StoredRecord }
  | { readonly kind: "completed"; readonly revision: bigint; readonly record: StoredRecord };

/** What the last event of a record stream says (pure, see the table above). */
export function recordState(
  last: { readonly type: string; readonly data: unknown; readonly revision: bigint } | null,
): RecordState {
  if (!last) return { kind: "absent" };
  if (last.type === VOIDED) return { kind: "voided", revision: last.revision };
  if (last.type === RESERVED || last.type === COMPLETED) {
    return {
      kind: last.type === RESERVED ? "reserved" : "completed",
      revision: last.revision,
      record: last.data as unknown as StoredRecord,
    };
  }
  throw new Error(`Unexpected event type ${last.type} in an idempotency record stream`);
}

export function toStoredRecord(
  record: IdempotencyRecord,
  events: readonly EventToAppend[],
  expectedRevision: ExpectedRevision,
): StoredRecord {
  return {
    key: record.key,
    fingerprint: record.fingerprint,
    streamId: record.streamId,
    answer: record.answer,
    expectedRevision,
    events: events.map((event) => ({
      id: event.id,
      type: event.type,
      data: event.data,
      ...(event.metadata && { metadata: event.metadata as JsonObject }),
      ...(event.schemaVersion !== undefined && { schemaVersion: event.schemaVersion }),
    })),
  };
}

/** The port's record: exactly its fields, `appended` when the append is known to have happened. */
export function toPortRecord(stored: StoredRecord, appended?: AppendResult): IdempotencyRecord {
  const result =
    appended ??
    (stored.appended && {
      nextRevision: stored.appended.nextRevision,
      position: { commit: BigInt(stored.appended.commit), prepare: BigInt(stored.appended.prepare) },
    });
  return {
    key: stored.key,
    fingerprint: stored.fingerprint,
    streamId: stored.streamId,
    answer: stored.answer,
    ...(result && { appended: result }),
  };
}

function completedRecord(stored: StoredRecord, result: AppendResult): JsonObject {
  const { events: _events, ...rest } = stored;
  return {
    ...rest,
    appended: {
      nextRevision: result.nextRevision,
      commit: result.position.commit.toString(),
      prepare: result.position.prepare.toString(),
    },
  } as unknown as JsonObject;
}

/** Appends with an idempotency record: record first, main append, then the record's completion. */
export async function appendWithRecord(
  io: KurrentIo,
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
  record: IdempotencyRecord,
): Promise<AppendResult> {
  const stored = toStoredRecord(record, events, expected);
  const revision = await reserve(io, stored);
  let result: AppendResult;
  try {
    result = await appendEvents(io, streamId, events, expected);
  } catch (error) {
    // Only a verdict frees the key. After a lost connection (or anything unexpected) the append
    // may have happened: the record stays reserved and its next reader resolves it (see above).
    if (isRefusal(error)) await settle(io, record.key, revision, VOIDED, {});
    throw error;
  }
  await settle(io, record.key, revision, COMPLETED, completedRecord(stored, result));
  return result;
}

function isRefusal(error: unknown): boolean {
  return (
    error instanceof WrongExpectedRevision ||
    error instanceof EventIdsAlreadyUsed ||
    error instanceof InvalidAppend
  );
}

/** Creates the record stream; IdempotencyKeyTaken when another request holds the key. */
async function reserve(io: KurrentIo, stored: StoredRecord): Promise<bigint> {
  const stream = idempotencyStream(stored.key);
  const write = (state: "no_stream" | bigint) =>
    io.client.appendToStream(stream, recordEvent(RESERVED, stored as unknown as JsonObject), {
      streamState: state,
    });
  try {
    return (await write("no_stream")).nextExpectedRevision;
  } catch (error) {
    if (!isWrongExpectedVersion(error)) throw translateError(error, { streamId: stream });
  }
  // The stream exists: the key is taken unless its last use was refused.
  const current = recordState(await readLastEvent(io, stream));
  if (current.kind !== "voided") throw new IdempotencyKeyTaken(stored.key);
  try {
    return (await write(current.revision)).nextExpectedRevision;
  } catch (error) {
    if (isWrongExpectedVersion(error)) throw new IdempotencyKeyTaken(stored.key);
    throw translateError(error, { streamId: stream });
  }
}

/**
 * Writes "completed" or "voided" after the record's reserved revision. Best effort: if it fails,
 * or another reader settled the record first, the record is resolved on its next read.
 */
async function settle(
  io: KurrentIo,
  key: string,
  after: bigint,
  type: typeof COMPLETED | typeof VOIDED,
  data: JsonObject,
): Promise<void> {
  await io.client
    .appendToStream(idempotencyStream(key), recordEvent(type, data), { streamState: after })
    .catch(() => undefined);
}

function recordEvent(type: string, data: JsonObject) {
  return jsonEvent({ id: randomUUID(), type, data });
}

/** Reads a record; a reserved one is resolved first (see the comment at the top). */
export async function readIdempotencyRecord(io: KurrentIo, key: string): Promise<IdempotencyRecord | null> {
  const state = recordState(await readLastEvent(io, idempotencyStream(key)));
  switch (state.kind) {
    case "absent":
    case "voided":
      return null;
    case "completed":
      return toPortRecord(state.record);
    case "reserved": {
      const appended = await resolveReserved(io, state.record);
      if (!appended) {
        await settle(io, key, state.revision, VOIDED, {});
        return null;
      }
      await settle(io, key, state.revision, COMPLETED, completedRecord(state.record, appended));
      return toPortRecord(state.record, appended);
    }
  }
}

/** The result of the record's append: found in the stream, or made now; null if it was refused. */
async function resolveReserved(io: KurrentIo, stored: StoredRecord): Promise<AppendResult | null> {
  const events = (stored.events ?? []) as EventToAppend[];
  const found = await locate(
    io,
    stored.streamId,
    events.map((event) => event.id),
    stored.expectedRevision,
  );
  if (found) return found;
  try {
    return await appendEvents(io, stored.streamId, events, stored.expectedRevision);
  } catch (error) {
    if (error instanceof WrongExpectedRevision) return null;
    throw error;
  }
}

/**
 * Where the events of an append would be: right after the expected revision when it was exact
 * ("no_stream" is exact too: from revision 0); anywhere in the stream for "any" / "stream_exists".
 */
async function locate(
  io: KurrentIo,
  streamId: string,
  ids: readonly string[],
  expected: ExpectedRevision,
): Promise<AppendResult | null> {
  const start = expected === "no_stream" ? 0 : typeof expected === "number" ? expected + 1 : null;
  if (start === null) return findEarlierAppend(io, streamId, ids);
  const events = await readRevisions(io, streamId, start, ids.length);
  const matches =
    events.length === ids.length &&
    events.every((event, i) => event.id.toLowerCase() === ids[i]!.toLowerCase());
  const last = events.at(-1);
  return matches && last ? { nextRevision: last.revision, position: last.position } : null;
}
