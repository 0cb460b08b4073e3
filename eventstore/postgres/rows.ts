import type { EventFilter, EventMetadata, JsonObject, Position, RecordedEvent } from "../port";

/**
 * Columns of a recorded event, positions as text: node-postgres and PGlite parse int8 differently
 * (string vs number), and xid8 only converts through text anyway.
 */
export const EVENT_COLUMNS = `e.id::text AS id, e.stream_id, e.revision::text AS revision,
  e.transaction_id::text AS commit, e.global_seq::text AS prepare, e.type, e.data, e.metadata,
  e.schema_version, e.recorded_at`;

export interface EventRow {
  [column: string]: unknown;
  id: string;
  stream_id: string;
  revision: string;
  commit: string;
  prepare: string;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
  schema_version: number;
  recorded_at: Date;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: toPosition(row.commit, row.prepare),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    schemaVersion: row.schema_version,
    recordedAt: row.recorded_at,
  };
}

export function toPosition(commit: unknown, prepare: unknown): Position {
  return { commit: BigInt(String(commit)), prepare: BigInt(String(prepare)) };
}

export function toPositionOrNull(commit: unknown, prepare: unknown): Position | null {
  return commit === null || commit === undefined ? null : toPosition(commit, prepare);
}

/** A position as the two parameters of a checkpoint column pair (null: no checkpoint). */
export function positionParams(position: Position | null): [string | null, string | null] {
  return position ? [position.commit.toString(), position.prepare.toString()] : [null, null];
}

/** The condition "visible to readers of the global log". The log is read gap-free: once a reader
 * has passed a position, no event can still appear before it. Sequence numbers are taken at insert
 * but become visible at commit, in another order, so only transactions older than every
 * transaction still running are shown, and a slow one can never be overtaken and skipped. */
export const VISIBLE = `e.transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))`;

/** Events strictly after a position (or all, for null); `params` receives the two values. */
export function afterPosition(position: Position | null | undefined, params: unknown[]): string {
  if (!position) return "true";
  params.push(position.commit.toString(), position.prepare.toString());
  return `(e.transaction_id, e.global_seq) > ($${params.length - 1}::xid8, $${params.length}::bigint)`;
}

/** SQL condition for an EventFilter; `params` receives its values. */
export function matchesFilter(filter: EventFilter | undefined, params: unknown[]): string {
  const conditions: string[] = [];
  if (filter?.streamPrefixes) {
    params.push(filter.streamPrefixes);
    conditions.push(`e.stream_id ^@ ANY($${params.length}::text[])`);
  }
  if (filter?.eventTypes) {
    params.push(filter.eventTypes);
    conditions.push(`e.type = ANY($${params.length}::text[])`);
  }
  return conditions.length ? conditions.join(" AND ") : "true";
}
