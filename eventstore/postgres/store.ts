import type {
  AppendOptions,
  AppendResult,
  ConsumerGroupInfo,
  ConsumerGroupSettings,
  EventFilter,
  EventStore,
  EventToAppend,
  IdempotencyRecord,
  JsonObject,
  ParkedEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from "../port";
import { appendEvents } from "./append";
import { ConsumerGroups } from "./consumer-groups";
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
import { appendChannel, assertSchemaName, type SqlClient } from "./sql";
import { PostgresPersistentSubscription } from "./subscription";
import { AppendAnnouncer, AppendWakeups } from "./wakeups";

const DEFAULT_IDLE_WAIT_MS = 250;

/**
 * The EventStore port over PostgreSQL, written once against SqlClient so the same SQL runs on a
 * PostgreSQL server (node-postgres) and on embedded PGlite. The schema must exist (migrations.ts).
 */
export class PostgresEventStore implements EventStore {
  private readonly wakeups: AppendWakeups;
  private readonly announcer: AppendAnnouncer;
  private readonly groups: ConsumerGroups;
  private readonly subscriptions = new Set<PostgresPersistentSubscription>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly sql: SqlClient,
    readonly schema: string,
  ) {
    const channel = appendChannel(assertSchemaName(schema));
    this.wakeups = new AppendWakeups(sql, channel);
    this.announcer = new AppendAnnouncer(sql, channel);
    this.groups = new ConsumerGroups(sql, channel, () => this.headPosition());
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    const result = await appendEvents(this.sql, streamId, events, options);
    this.announcer.announce();
    return result;
  }

  /** Every committed event of the stream (no snapshot rule: a stream is serialized by its row). */
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
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${conditions.join(" AND ")}
       ORDER BY e.revision ${backwards ? "DESC" : "ASC"} LIMIT $${params.length}`,
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
    }>(
      `SELECT k.key, k.fingerprint, k.stream_id, k.answer, e.revision::text AS revision,
              e.transaction_id::text AS commit, e.global_seq::text AS prepare
       FROM idempotency_keys k
       LEFT JOIN LATERAL (
         SELECT revision, transaction_id, global_seq FROM events
         WHERE transaction_id = k.transaction_id ORDER BY global_seq DESC LIMIT 1
       ) e ON true
       WHERE k.key = $1`,
      [key],
    );
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

  createConsumerGroup(name: string, settings?: Partial<ConsumerGroupSettings>): Promise<void> {
    return this.groups.create(name, settings);
  }

  getConsumerGroup(name: string): Promise<ConsumerGroupInfo | null> {
    return this.groups.get(name);
  }

  resetConsumerGroup(name: string, to: Position | null): Promise<void> {
    return this.groups.reset(name, to);
  }

  deleteConsumerGroup(name: string): Promise<void> {
    return this.groups.delete(name);
  }

  listParked(group: string, options: { limit?: number } = {}): Promise<ParkedEvent[]> {
    return this.groups.listParked(group, options.limit);
  }

  replayParked(group: string, options: { limit?: number } = {}): Promise<number> {
    return this.groups.replayParked(group, options.limit);
  }

  subscribe(group: string, options: SubscribeOptions): PostgresPersistentSubscription {
    if (this.closing) throw new Error("The event store is closed");
    const subscription = new PostgresPersistentSubscription({
      sql: this.sql,
      wakeups: this.wakeups,
      group,
      consumerName: options.consumerName,
      idleWaitMs: options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS,
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    await this.sql.query("SELECT 1");
  }

  /** Gives up every subscription's group, stops listening, closes the connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((subscription) => subscription.shutdown()));
      this.subscriptions.clear();
      await this.announcer.flush();
      await this.wakeups.close();
      await this.sql.close();
    })();
    return this.closing;
  }
}
