import { assertSchemaName, type SqlClient } from "./sql";

/**
 * Creates (idempotently) everything the store needs in `schema`. Safe to run from several
 * processes at once: an advisory lock per schema serializes them.
 *
 * Tables:
 * - `streams`: one row per stream with its current revision; the conditional UPDATE / INSERT on it
 *   is where optimistic concurrency is decided, and its row lock queues concurrent appenders.
 * - `events`: the log. `(transaction_id, global_seq)` is the position and the primary key; readers
 *   of the global log only see transactions older than the snapshot's xmin (gap-free order).
 * - `idempotency_keys`: written first in the append's transaction, so a second request with the same
 *   key waits on the first and then finds the key taken. `transaction_id` finds what it appended.
 * - `consumer_groups`, `parked_events`: persistent subscriptions (see subscription.ts).
 * - `snapshots`: the newest snapshot of an aggregate's state per stream (snapshots.ts); a cache.
 */
export async function migrate(sql: SqlClient, schema: string): Promise<void> {
  const s = assertSchemaName(schema);
  await sql.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`eventstore-migrate:${s}`]);
    for (const statement of schemaStatements(s)) await tx.query(statement);
  });
}

function schemaStatements(s: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.snapshots (
       stream_id text PRIMARY KEY,
       revision bigint NOT NULL,
       state_version int NOT NULL,
       state jsonb NOT NULL,
       taken_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.streams (
       stream_id text PRIMARY KEY,
       revision bigint NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.events (
       transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
       global_seq bigserial NOT NULL,
       id uuid NOT NULL,
       stream_id text NOT NULL,
       revision bigint NOT NULL,
       type text NOT NULL,
       data jsonb NOT NULL,
       metadata jsonb NOT NULL DEFAULT '{}',
       schema_version int NOT NULL DEFAULT 1,
       recorded_at timestamptz NOT NULL DEFAULT now(),
       CONSTRAINT events_log_order PRIMARY KEY (transaction_id, global_seq),
       CONSTRAINT events_id_unique UNIQUE (id),
       CONSTRAINT events_stream_revision_unique UNIQUE (stream_id, revision)
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.idempotency_keys (
       key text PRIMARY KEY,
       fingerprint text NOT NULL,
       stream_id text NOT NULL,
       answer jsonb NOT NULL,
       transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.consumer_groups (
       name text PRIMARY KEY,
       settings jsonb NOT NULL,
       checkpoint_commit xid8,
       checkpoint_prepare bigint,
       owner text,
       owner_token uuid,
       lease_until timestamptz,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    // One table for every event a group holds back from the plain log order: 'retrying' (nacked,
    // redelivered at the head of the next batch), 'parked', and 'replaying' (parked, asked back).
    `CREATE TABLE IF NOT EXISTS ${s}.parked_events (
       group_name text NOT NULL REFERENCES ${s}.consumer_groups (name) ON DELETE CASCADE,
       event_commit xid8 NOT NULL,
       event_prepare bigint NOT NULL,
       state text NOT NULL CHECK (state IN ('retrying', 'parked', 'replaying')),
       reason text NOT NULL,
       attempts int NOT NULL,
       parked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
       PRIMARY KEY (group_name, event_prepare)
     )`,
    appendFunction(s),
  ];
}

/**
 * The whole append in one statement, so one round trip: idempotency key first, then the stream's
 * revision check-and-bump, then the events. Failures RAISE so that nothing of the transaction (the
 * key included) survives; the client maps ES001 / ES002 to the typed errors.
 *
 * No pg_notify here: a notifying transaction takes a database-wide lock at commit and keeps it
 * through its WAL flush, which serializes every appending commit (measured: a quarter of the
 * throughput of plain INSERTs, against three quarters without). The store announces appends after
 * commit instead, coalesced (wakeups.ts).
 *
 * recorded_at is clock_timestamp() read after the stream row is locked, not now(): now() is the
 * transaction start, so an appender that started earlier but waited for the lock would stamp a
 * later revision with an earlier time, and `readStream({ until })` would cut a stream with a hole.
 * It is truncated to milliseconds, the resolution of a JS Date: `until: event.recordedAt` must
 * include that event.
 */
function appendFunction(s: string): string {
  return `
CREATE OR REPLACE FUNCTION ${s}.append_events(
  p_stream_id text,
  p_expected text,
  p_ids uuid[],
  p_types text[],
  p_data jsonb[],
  p_metadata jsonb[],
  p_schema_versions int[],
  p_idempotency jsonb
) RETURNS TABLE (next_revision bigint, position_commit text, position_prepare bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count int := cardinality(p_ids);
  v_last bigint;
  v_recorded_at timestamptz;
BEGIN
  IF p_idempotency IS NOT NULL THEN
    INSERT INTO ${s}.idempotency_keys (key, fingerprint, stream_id, answer)
    VALUES (p_idempotency->>'key', p_idempotency->>'fingerprint', p_idempotency->>'streamId',
            p_idempotency->'answer')
    ON CONFLICT (key) DO NOTHING;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'ES002', MESSAGE = 'idempotency key taken',
        DETAIL = p_idempotency->>'key';
    END IF;
  END IF;

  IF p_expected = 'any' THEN
    INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES (p_stream_id, v_count - 1)
    ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + v_count
    RETURNING st.revision INTO v_last;
  ELSIF p_expected = 'no_stream' THEN
    INSERT INTO ${s}.streams (stream_id, revision) VALUES (p_stream_id, v_count - 1)
    ON CONFLICT (stream_id) DO NOTHING
    RETURNING revision INTO v_last;
  ELSIF p_expected = 'stream_exists' THEN
    UPDATE ${s}.streams SET revision = revision + v_count WHERE stream_id = p_stream_id
    RETURNING revision INTO v_last;
  ELSE
    UPDATE ${s}.streams SET revision = revision + v_count
    WHERE stream_id = p_stream_id AND revision = p_expected::bigint
    RETURNING revision INTO v_last;
  END IF;

  IF v_last IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'ES001', MESSAGE = 'wrong expected revision',
      DETAIL = coalesce((SELECT revision::text FROM ${s}.streams WHERE stream_id = p_stream_id), 'no_stream');
  END IF;

  v_recorded_at := date_trunc('milliseconds', clock_timestamp());
  INSERT INTO ${s}.events (id, stream_id, revision, type, data, metadata, schema_version, recorded_at)
  SELECT e.id, p_stream_id, v_last - v_count + e.n, e.type, e.data, e.metadata, e.schema_version, v_recorded_at
  FROM unnest(p_ids, p_types, p_data, p_metadata, p_schema_versions)
       WITH ORDINALITY AS e (id, type, data, metadata, schema_version, n)
  ORDER BY e.n;


  RETURN QUERY SELECT v_last, pg_current_xact_id()::text, currval('${s}.events_global_seq_seq');
END
$fn$`;
}
