import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventLog,
  EventToAppend,
  IdempotencyRecord,
  JsonObject,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from "../port";
import { appendEvents } from "./append";
import {
  EVENT_COLUMNS,
  VISIBLE,
  afterPosition,
  matchesFilter,
  toPosition,
  toPositionOrNull,
  toRecordedEvent,
  type EventRow,
} from "./rows";
import { preparedStatement, type SqlClient } from "./sql";
import { AppendAnnouncer } from "./wakeups";

const READ_IDEMPOTENCY_RECORD = preparedStatement(
  `SELECT k.key, k.fingerprint, k.stream_id, k.answer, e.revision::text AS revision,
          e.transaction_id::text AS commit, e.global_seq::text AS prepare
   FROM idempotency_keys k
   LEFT JOIN LATERAL (
     SELECT revision, transaction_id, global_seq FROM events
     WHERE transaction_id = k.transaction_id ORDER BY global_seq DESC LIMIT 1
   ) e ON true
   WHERE k.key = $1`,
);

/**
 * The EventLog port over PostgreSQL (and PGlite): appends, stream reads, the global log in its
 * gap-free order, idempotency records. After each append it announces that the log grew, so
 * subscribers of any process wake up (consumer-groups.ts listens).
 */
export class PostgresEventLog implements EventLog {
  private readonly announcer: AppendAnnouncer;

  constructor(
    private readonly sql: SqlClient,
    channel: string,
  ) {
    this.announcer = new AppendAnnouncer(sql, channel);
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    const result = await appendEvents(this.sql, streamId, events, options);
    this.announcer.announce(streamId);
    return result;
  }

  /**
   * Every committed event of the stream (no visibility rule: a revision is written only after the
   * one before it committed).
   */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === "backwards";
    const params: unknown[] = [streamId];
    const conditions = ["e.stream_id = $1"];
    if (options.fromRevision !== undefined) {
      params.push(options.fromRevision);
      conditions.push(`e.revision ${backwards ? "<=" : ">="} $${params.length}`);
    }
    if (options.until) {
      params.push(options.until);
      conditions.push(`e.recorded_at <= $${params.length}`);
    }
    params.push(options.maxCount ?? null);
    const rows = await this.sql.query<EventRow>(
      preparedStatement(
        `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${conditions.join(" AND ")}
         ORDER BY e.revision ${backwards ? "DESC" : "ASC"} LIMIT $${params.length}`,
      ),
      params,
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const params: unknown[] = [];
    const after = afterPosition(options.after, params);
    const filter = matchesFilter(options.filter, params);
    params.push(options.maxCount ?? null);
    const rows = await this.sql.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${after} AND ${VISIBLE} AND ${filter}
       ORDER BY e.transaction_id, e.global_seq LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecordedEvent);
  }

  async headPosition(): Promise<Position | null> {
    const [row] = await this.sql.query<{ commit: string; prepare: string }>(
      `SELECT e.transaction_id::text AS commit, e.global_seq::text AS prepare FROM events e
       WHERE ${VISIBLE} ORDER BY e.transaction_id DESC, e.global_seq DESC LIMIT 1`,
    );
    return row ? toPosition(row.commit, row.prepare) : null;
  }

  async countAfter(position: Position | null, filter?: EventFilter): Promise<number> {
    const params: unknown[] = [];
    const after = afterPosition(position, params);
    const [row] = await this.sql.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM events e
       WHERE ${after} AND ${VISIBLE} AND ${matchesFilter(filter, params)}`,
      params,
    );
    return row?.count ?? 0;
  }

  async readIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    const [row] = await this.sql.query<{
      key: string;
      fingerprint: string;
      stream_id: string;
      answer: JsonObject;
      revision: string | null;
      commit: string | null;
      prepare: string | null;
    }>(READ_IDEMPOTENCY_RECORD, [key]);
    if (!row) return null;
    const position = toPositionOrNull(row.commit, row.prepare);
    return {
      key: row.key,
      fingerprint: row.fingerprint,
      streamId: row.stream_id,
      answer: row.answer,
      ...(position && { appended: { nextRevision: Number(row.revision), position } }),
    };
  }

  async ping(): Promise<void> {
    await this.sql.query("SELECT 1");
  }

  /** Waits for the append notice in flight; the connections are the store's to close. */
  close(): Promise<void> {
    return this.announcer.flush();
  }
}
