import {
  IdempotencyKeyTaken,
  WrongExpectedRevision,
  type AppendOptions,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type IdempotencyRecord,
} from "../port";
import { EventIdsAlreadyUsed, InvalidAppend } from "../append-errors";
import { toPosition } from "./rows";
import { databaseError, type SqlClient } from "./sql";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface AppendedRow {
  [column: string]: unknown;
  next_revision: string;
  position_commit: string;
  position_prepare: string;
}

/**
 * One round trip in the common case: the `append_events` function checks and writes everything.
 * Only a refused append costs a second query, to tell a repeat of an earlier append (answered with
 * that append's result) from a real conflict.
 */
export async function appendEvents(
  sql: SqlClient,
  streamId: string,
  events: readonly EventToAppend[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const expected = options.expectedRevision ?? "any";
  validate(streamId, events, expected);
  const ids = events.map((event) => event.id);
  try {
    const [row] = await sql.query<AppendedRow>(
      `SELECT next_revision::text AS next_revision, position_commit, position_prepare::text AS position_prepare
       FROM append_events($1, $2, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[], $7::int[], $8::jsonb)`,
      [
        streamId,
        String(expected),
        ids,
        events.map((event) => event.type),
        events.map((event) => JSON.stringify(event.data)),
        events.map((event) => JSON.stringify(event.metadata ?? {})),
        events.map((event) => event.schemaVersion ?? 1),
        options.idempotency ? JSON.stringify(idempotencyParam(options.idempotency)) : null,
      ],
    );
    return {
      nextRevision: Number(row!.next_revision),
      position: toPosition(row!.position_commit, row!.position_prepare),
    };
  } catch (error) {
    const db = databaseError(error);
    if (db?.code === "ES002") throw new IdempotencyKeyTaken(options.idempotency!.key);
    if (db?.code === "23505" && db.constraint === "events_stream_revision_unique") {
      // The unique index caught what the streams row should have: events written around the store.
      throw new WrongExpectedRevision(streamId, expected, await lastRevision(sql, streamId));
    }
    const refused = db?.code === "ES001" || (db?.code === "23505" && db.constraint === "events_id_unique");
    if (!refused) throw error;
    const earlier = await findEarlierAppend(sql, streamId, ids);
    if (earlier) {
      if (options.idempotency) await recordKeyForEarlierAppend(sql, options.idempotency, earlier.commit);
      return earlier.result;
    }
    if (db.code === "ES001") {
      throw new WrongExpectedRevision(streamId, expected, actualRevision(db.detail));
    }
    throw error;
  }
}

function validate(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): void {
  if (streamId.length === 0) throw new InvalidAppend(streamId, "the stream id is empty");
  if (events.length === 0) throw new InvalidAppend(streamId, "there are no events to append");
  if (typeof expected === "number" && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new InvalidAppend(streamId, `expected revision ${expected} is not a non-negative integer`);
  }
  const bad = events.find((event) => !UUID.test(event.id));
  if (bad) throw new InvalidAppend(streamId, `event id "${bad.id}" is not a UUID`);
  if (new Set(events.map((event) => event.id.toLowerCase())).size !== events.length) {
    throw new InvalidAppend(streamId, "the same event id appears twice");
  }
}

/** The record as stored: `appended` is the store's to fill in, never the caller's. */
function idempotencyParam(record: IdempotencyRecord): Omit<IdempotencyRecord, "appended"> {
  return {
    key: record.key,
    fingerprint: record.fingerprint,
    streamId: record.streamId,
    answer: record.answer,
  };
}

async function lastRevision(sql: SqlClient, streamId: string): Promise<number | "no_stream"> {
  const [row] = await sql.query<{ revision: string | null }>(
    "SELECT max(revision)::text AS revision FROM events WHERE stream_id = $1",
    [streamId],
  );
  return row?.revision == null ? "no_stream" : Number(row.revision);
}

function actualRevision(detail: string | undefined): number | "no_stream" {
  return detail === undefined || detail === "no_stream" ? "no_stream" : Number(detail);
}

interface EarlierAppend {
  readonly result: AppendResult;
  /** Transaction of the earlier append, which an idempotency record points to. */
  readonly commit: string;
}

/**
 * An append whose ids were all appended before, to this stream, is a repeat: it gets the first
 * answer. Ids used partly, or in another stream, are a caller's error.
 */
async function findEarlierAppend(
  sql: SqlClient,
  streamId: string,
  ids: readonly string[],
): Promise<EarlierAppend | null> {
  const rows = await sql.query<{
    id: string;
    stream_id: string;
    revision: string;
    commit: string;
    prepare: string;
  }>(
    `SELECT id::text AS id, stream_id, revision::text AS revision, transaction_id::text AS commit,
            global_seq::text AS prepare
     FROM events WHERE id = ANY($1::uuid[]) ORDER BY revision DESC`,
    [ids],
  );
  if (rows.length === 0) return null;
  const used = rows.map((row) => row.id);
  const elsewhere = rows.filter((row) => row.stream_id !== streamId);
  if (elsewhere.length > 0) {
    throw new EventIdsAlreadyUsed(
      streamId,
      used,
      `were already appended to stream ${elsewhere[0]!.stream_id}`,
    );
  }
  if (rows.length !== ids.length) {
    throw new EventIdsAlreadyUsed(
      streamId,
      used,
      "were already appended, but not with the other events of this append",
    );
  }
  const last = rows[0]!;
  return {
    result: { nextRevision: Number(last.revision), position: toPosition(last.commit, last.prepare) },
    commit: last.commit,
  };
}

/** A repeat carrying a fresh idempotency key: keep the key, pointing at the earlier append. */
async function recordKeyForEarlierAppend(
  sql: SqlClient,
  record: IdempotencyRecord,
  commit: string,
): Promise<void> {
  const inserted = await sql.query(
    `INSERT INTO idempotency_keys (key, fingerprint, stream_id, answer, transaction_id)
     VALUES ($1, $2, $3, $4::jsonb, $5::xid8) ON CONFLICT (key) DO NOTHING RETURNING key`,
    [record.key, record.fingerprint, record.streamId, JSON.stringify(record.answer), commit],
  );
  if (inserted.length === 0) throw new IdempotencyKeyTaken(record.key);
}
