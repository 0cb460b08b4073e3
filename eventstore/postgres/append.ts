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
import { databaseError, preparedStatement, type PreparedStatement, type SqlClient } from "./sql";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The whole append in one statement, so one round trip and nothing to roll back by hand. Without an
 * idempotency key:
 *
 * - `head`: the stream's next revision (one probe of the unique (stream, revision) index) and the
 *   one `recorded_at` of the append;
 * - the events, inserted only if the caller's expected revision holds; no row back means refused.
 *
 * With a key (`keyedAppendText`), the key is inserted between the two, only if the revision holds,
 * and the events only if the key was free; one row back says which of the three happened.
 *
 * Concurrency is decided by the unique (stream, revision) index itself, without a row per stream to
 * lock and update: two appenders that read the same head both write the next revision, and the
 * second waits on the first's index entry and, once the first commits, fails with a unique
 * violation (a conflict; an `any` append reads the head again). A head is read from committed rows
 * only, so a revision is written after the one before it committed, and recorded_at, read with
 * the head, grows with the revision (`readStream({ until })` never cuts a stream with a hole). It is
 * truncated to milliseconds, the resolution of a JS Date: `until: event.recordedAt` must include
 * that event.
 *
 * No pg_notify here: a notifying transaction takes a database-wide lock at commit and keeps it
 * through its WAL flush, which serializes every appending commit. The store announces appends after
 * commit instead, coalesced (wakeups.ts).
 */
const HEAD = `SELECT coalesce(max(revision), -1) + 1 AS next,
                     date_trunc('milliseconds', clock_timestamp()) AS recorded_at
              FROM events WHERE stream_id = $1`;

/** Whether the expected revision ($2: its kind, $3: the number) holds for `head.next`. */
const EXPECTED_HOLDS = `CASE $2::text
    WHEN 'any' THEN true
    WHEN 'no_stream' THEN head.next = 0
    WHEN 'stream_exists' THEN head.next > 0
    ELSE head.next = $3::bigint + 1
  END`;

const INSERT_EVENTS = `INSERT INTO events (id, stream_id, revision, type, data, metadata, schema_version, recorded_at)
  SELECT e.id, $1, head.next + e.n - 1, e.type, e.data, e.metadata, e.schema_version, head.recorded_at`;

const appendText = (events: string) =>
  `${INSERT_EVENTS}
   FROM (${HEAD}) head, ${events}
   WHERE ${EXPECTED_HOLDS}
   ORDER BY e.n
   RETURNING revision::text AS next_revision, transaction_id::text AS position_commit,
             global_seq::text AS position_prepare`;

const keyedAppendText = (events: string) =>
  `WITH head AS (${HEAD}),
   allowed AS (SELECT * FROM head WHERE ${EXPECTED_HOLDS}),
   key AS (
     INSERT INTO idempotency_keys (key, fingerprint, stream_id, answer)
     SELECT $9::jsonb->>'key', $9::jsonb->>'fingerprint', $9::jsonb->>'streamId', $9::jsonb->'answer'
     FROM allowed
     ON CONFLICT (key) DO NOTHING
     RETURNING key
   ),
   appended AS (
     ${INSERT_EVENTS}
     FROM allowed head, ${events}
     WHERE EXISTS (SELECT FROM key)
     ORDER BY e.n
     RETURNING revision, transaction_id, global_seq
   )
   SELECT (SELECT next - 1 FROM head)::text AS head,
          EXISTS (SELECT FROM allowed) AS allowed,
          last.revision::text AS next_revision,
          last.transaction_id::text AS position_commit,
          last.global_seq::text AS position_prepare
   FROM (SELECT 1) one
   LEFT JOIN (SELECT * FROM appended ORDER BY revision DESC LIMIT 1) last ON true`;

/** Any number of events, as arrays (unnest keeps their order in `n`). */
const MANY = `unnest($4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[], $8::int[])
  WITH ORDINALITY AS e (id, type, data, metadata, schema_version, n)`;

/**
 * One event (most commands' append), as plain values: encoding and parsing one-element arrays of
 * JSON text cost the append ~15 % (measured).
 */
const ONE = `(SELECT $4::uuid AS id, $5::text AS type, $6::jsonb AS data, $7::jsonb AS metadata,
                $8::int AS schema_version, 1 AS n) e`;

const APPEND = { one: preparedStatement(appendText(ONE)), many: preparedStatement(appendText(MANY)) };
const KEYED_APPEND = {
  one: preparedStatement(keyedAppendText(ONE)),
  many: preparedStatement(keyedAppendText(MANY)),
};

/** The append's statement and parameters (tests also run them on a connection of their own). */
export function appendQuery(
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
  idempotency?: IdempotencyRecord,
): { statement: PreparedStatement; params: unknown[] } {
  const statements = idempotency ? KEYED_APPEND : APPEND;
  const head = [
    streamId,
    typeof expected === "number" ? "revision" : expected,
    typeof expected === "number" ? expected : null,
  ];
  const key = idempotency ? [JSON.stringify(idempotencyParam(idempotency))] : [];
  const one = events.length === 1 ? events[0]! : null;
  if (one) {
    const values = [one.id, one.type, JSON.stringify(one.data), JSON.stringify(one.metadata ?? {})];
    return { statement: statements.one, params: [...head, ...values, one.schemaVersion ?? 1, ...key] };
  }
  return {
    statement: statements.many,
    params: [
      ...head,
      events.map((event) => event.id),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata ?? {})),
      events.map((event) => event.schemaVersion ?? 1),
      ...key,
    ],
  };
}

interface AppendedRow {
  [column: string]: unknown;
  next_revision: string | null;
  position_commit: string | null;
  position_prepare: string | null;
  /** The keyed append's only: the revision it read, and whether the expected revision held. */
  head?: string | null;
  allowed?: boolean;
}

/**
 * An `any` or `stream_exists` append that loses a race for the next revision reads the head again;
 * each retry means another append committed, so this bounds only a pathological pile-up.
 */
const MAX_RACES = 50;

/**
 * One round trip in the common case. Only a refused append costs a second query, to tell a repeat
 * of an earlier append (answered with that append's result) from a real conflict.
 */
export async function appendEvents(
  sql: SqlClient,
  streamId: string,
  events: readonly EventToAppend[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const expected = options.expectedRevision ?? "any";
  validate(streamId, events, expected);
  const { statement, params } = appendQuery(streamId, events, expected, options.idempotency);
  for (let race = 0; ; race++) {
    let refusal: Refusal;
    try {
      const rows = await sql.query<AppendedRow>(statement, params);
      const last = newest(rows);
      if (last && last.next_revision !== null) {
        return {
          nextRevision: Number(last.next_revision),
          position: toPosition(last.position_commit!, last.position_prepare!),
        };
      }
      if (last?.allowed) throw new IdempotencyKeyTaken(options.idempotency!.key);
      const head = last?.head == null ? null : Number(last.head);
      refusal = { actual: head === null ? "unknown" : head < 0 ? "no_stream" : head };
    } catch (error) {
      const db = databaseError(error);
      if (db?.code !== "23505") throw error;
      if (db.constraint === "events_stream_revision_unique") {
        // Another append took the revision this one read as next.
        if ((expected === "any" || expected === "stream_exists") && race < MAX_RACES) {
          // Past a few lost races on a hot stream, a jittered pause lets the winners through.
          if (race >= 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * race));
          continue;
        }
        refusal = { actual: "unknown" };
      } else if (db.constraint === "events_id_unique") {
        refusal = { actual: "unknown" };
      } else {
        throw error;
      }
    }
    // A key already taken answers as it always has, whichever check refused this append first (the
    // statement tries the key only once the revision holds).
    if (options.idempotency && (await keyTaken(sql, options.idempotency.key))) {
      throw new IdempotencyKeyTaken(options.idempotency.key);
    }
    const earlier = await findEarlierAppend(
      sql,
      streamId,
      events.map((event) => event.id),
    );
    if (earlier) {
      if (options.idempotency) await recordKeyForEarlierAppend(sql, options.idempotency, earlier.commit);
      return earlier.result;
    }
    const actual = refusal.actual === "unknown" ? await lastRevision(sql, streamId) : refusal.actual;
    throw new WrongExpectedRevision(streamId, expected, actual);
  }
}

/** The row of the highest revision appended (a keyed append's one row, appended or not). */
function newest(rows: readonly AppendedRow[]): AppendedRow | undefined {
  let last = rows[0];
  for (const row of rows) if (Number(row.next_revision) > Number(last!.next_revision)) last = row;
  return last;
}

/** Why an append wrote nothing: the stream's revision as it read it, or "unknown" (read it again). */
interface Refusal {
  readonly actual: number | "no_stream" | "unknown";
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

async function keyTaken(sql: SqlClient, key: string): Promise<boolean> {
  return (await sql.query("SELECT 1 FROM idempotency_keys WHERE key = $1", [key])).length > 0;
}

async function lastRevision(sql: SqlClient, streamId: string): Promise<number | "no_stream"> {
  const [row] = await sql.query<{ revision: string | null }>(
    "SELECT max(revision)::text AS revision FROM events WHERE stream_id = $1",
    [streamId],
  );
  return row?.revision == null ? "no_stream" : Number(row.revision);
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
