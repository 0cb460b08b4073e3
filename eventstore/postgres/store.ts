import type {
  AppendOptions,
  AppendResult,
  ConsumerGroupInfo,
  ConsumerGroupSettings,
  EventFilter,
  EventStore,
  EventToAppend,
  IdempotencyRecord,
  ParkedEvent,
  PoolStats,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  SubscribeOptions,
} from "../port";
import { PostgresConsumerGroups } from "./consumer-groups";
import { PostgresEventLog } from "./log";
import { PostgresSnapshots } from "./snapshots";
import { appendChannel, assertSchemaName, type SqlClient } from "./sql";
import type { PostgresPersistentSubscription } from "./subscription";

/**
 * The EventStore port over PostgreSQL, written once against SqlClient so the same SQL runs on a
 * PostgreSQL server (node-postgres) and on embedded PGlite. The schema must exist (migrations.ts).
 * The log (log.ts) and the consumer groups (consumer-groups.ts) share the connections, which this
 * store owns and closes.
 */
export class PostgresEventStore implements EventStore {
  private readonly log: PostgresEventLog;
  private readonly groups: PostgresConsumerGroups;
  private readonly snapshots: PostgresSnapshots;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly sql: SqlClient,
    readonly schema: string,
  ) {
    const channel = appendChannel(assertSchemaName(schema));
    this.log = new PostgresEventLog(sql, channel);
    this.groups = new PostgresConsumerGroups(sql, channel, () => this.log.headPosition());
    this.snapshots = new PostgresSnapshots(sql);
  }

  // EventLog

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    return this.log.appendToStream(streamId, events, options);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.log.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.log.readAll(options);
  }

  headPosition(): Promise<Position | null> {
    return this.log.headPosition();
  }

  countAfter(position: Position | null, filter?: EventFilter): Promise<number> {
    return this.log.countAfter(position, filter);
  }

  readIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    return this.log.readIdempotencyRecord(key);
  }

  ping(): Promise<void> {
    return this.log.ping();
  }

  // ConsumerGroups

  createConsumerGroup(name: string, settings?: Partial<ConsumerGroupSettings>): Promise<void> {
    return this.groups.createConsumerGroup(name, settings);
  }

  getConsumerGroup(name: string): Promise<ConsumerGroupInfo | null> {
    return this.groups.getConsumerGroup(name);
  }

  resetConsumerGroup(name: string, to: Position | null): Promise<void> {
    return this.groups.resetConsumerGroup(name, to);
  }

  deleteConsumerGroup(name: string): Promise<void> {
    return this.groups.deleteConsumerGroup(name);
  }

  subscribe(group: string, options: SubscribeOptions): PostgresPersistentSubscription {
    return this.groups.subscribe(group, options);
  }

  listParked(group: string, options?: { limit?: number }): Promise<ParkedEvent[]> {
    return this.groups.listParked(group, options);
  }

  replayParked(group: string, options?: { limit?: number }): Promise<number> {
    return this.groups.replayParked(group, options);
  }

  // SnapshotStore

  readSnapshot(streamId: string): Promise<Snapshot | null> {
    return this.snapshots.readSnapshot(streamId);
  }

  writeSnapshot(snapshot: Omit<Snapshot, "takenAt">): Promise<void> {
    return this.snapshots.writeSnapshot(snapshot);
  }

  deleteSnapshots(streamPrefix?: string): Promise<number> {
    return this.snapshots.deleteSnapshots(streamPrefix);
  }

  poolStats(): PoolStats | null {
    return this.sql.poolStats?.() ?? null;
  }

  /** Gives up every subscription's group, stops listening, closes the connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.groups.close();
      await this.log.close();
      await this.sql.close();
    })();
    return this.closing;
  }
}
