import { assertSchemaName, type SqlClient } from "./sql";

/**
 * Creates (idempotently) everything the store needs in `schema`. Safe to run from several
 * processes at once: an advisory lock per schema serializes them.
 *
 * Tables:
 * - `events`: the log. `(transaction_id, global_seq)` is the position and the primary key; readers
 *   of the global log only see transactions older than the snapshot's xmin (gap-free order). The
 *   unique (stream_id, revision) index is where optimistic concurrency is decided (append.ts).
 * - `idempotency_keys`: written in the append's own statement before its events, so a second request
 *   with the same key waits on the first and then finds the key taken. `transaction_id` finds what
 *   it appended.
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
    // Earlier versions decided concurrency on a row per stream, bumped by an append function; the
    // unique (stream, revision) index decides it now (append.ts), so both go. A process of an earlier
    // version still running fails its appends (the function is gone) and writes nothing wrong.
    `DROP FUNCTION IF EXISTS ${s}.append_events(text, text, uuid[], text[], jsonb[], jsonb[], int[], jsonb)`,
    `DROP TABLE IF EXISTS ${s}.streams`,
  ];
}
