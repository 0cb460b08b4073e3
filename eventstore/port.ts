/**
 * The event store port, in two parts with one job each, both shaped after the KurrentDB client so
 * that adapter is a thin mapping:
 *
 * - `EventLog`: appends (with an expected revision and an idempotency record), stream reads, the
 *   global log. What the command side needs, and all it may use.
 * - `ConsumerGroups`: persistent subscriptions, i.e. consumer groups over the global log with a
 *   server-side checkpoint, ack / nack (retry, park, skip) and parked-event replay. What
 *   projectors need.
 * - `EventStore`: both together, plus `close`. What an adapter (PostgreSQL, PGlite, KurrentDB)
 *   implements and `openEventStore` returns; only whoever opened the store holds it whole.
 *
 * Terms:
 * - A stream revision is the 0-based index of an event in its stream (KurrentDB `revision`).
 * - A position is a place in the global log, `{ commit, prepare }` as in KurrentDB's `$all`.
 *   Positions are totally ordered by (commit, prepare). On PostgreSQL, `commit` is the id of the
 *   appending transaction and `prepare` the row's sequence number; readers only see rows of
 *   transactions older than every still-running one, which is what makes the order gap-free.
 * - Expected revision: "no_stream" | "stream_exists" | "any" | an exact revision.
 */

export type StreamRevision = number;

export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export type ExpectedRevision = "no_stream" | "stream_exists" | "any" | StreamRevision;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who caused an event and why; the command runtime writes it on every event it appends. */
export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly userId?: string;
  readonly idempotencyKey?: string;
  /** ISO-8601 instant the command was accepted; the domain never reads a clock. */
  readonly timestamp?: string;
  /** W3C trace context of the append that recorded the event, when the request was traced
   * (`traceparent.ts`): projectors and live pushes continue that trace. */
  readonly traceparent?: string;
  readonly [key: string]: JsonValue | undefined;
}

export interface EventToAppend {
  /** Unique id (UUID). Appending the same ids again is idempotent. */
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata?: EventMetadata;
  /** Schema version of `data`, read by upcasters. */
  readonly schemaVersion?: number;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamId: string;
  readonly revision: StreamRevision;
  readonly position: Position;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
  readonly schemaVersion: number;
  /** When the store committed it (store clock). */
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  readonly nextRevision: StreamRevision;
  /** Global position of the last appended event. */
  readonly position: Position;
}

/**
 * Idempotency record written atomically with an append, so a command repeated with the same key (a
 * client retrying after a lost response, or two requests racing) appends nothing the second time
 * and answers what the first one answered. `fingerprint` is a hash of the request that used the
 * key; `answer` is what the first request answered.
 */
export interface IdempotencyRecord {
  readonly key: string;
  readonly fingerprint: string;
  readonly streamId: string;
  readonly answer: JsonObject;
  /** Filled by the store when read back: the result of the append that wrote the record. */
  readonly appended?: AppendResult;
}

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
  /** When set, the record is stored in the same transaction; a second append with the same key fails
   * with `IdempotencyKeyTaken` and appends nothing. */
  readonly idempotency?: IdempotencyRecord;
}

export type Direction = "forwards" | "backwards";

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive start revision; default: start (forwards) or end (backwards). */
  readonly fromRevision?: StreamRevision;
  readonly maxCount?: number;
  /** Only events recorded at or before this instant (time travel). */
  readonly until?: Date;
}

export interface EventFilter {
  /** Keep events whose stream id starts with one of these. */
  readonly streamPrefixes?: readonly string[];
  /** Keep events of these types. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default: the start of the log. */
  readonly after?: Position;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

/** Appends and reads: streams, the global log, idempotency records. */
export interface EventLog {
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the newest event visible to readers of the global log (null when empty). */
  headPosition(): Promise<Position | null>;
  /** Number of visible events after a position (lag in events). */
  countAfter(position: Position | null, filter?: EventFilter): Promise<number>;
  /** The record an append with `idempotency` wrote (with what it appended); null if none used the key. */
  readIdempotencyRecord(key: string): Promise<IdempotencyRecord | null>;
  /** Checks the store answers (readiness). */
  ping(): Promise<void>;
}

export type StartFrom = "start" | "end" | Position;

export interface ConsumerGroupSettings {
  readonly startFrom: StartFrom;
  readonly filter?: EventFilter;
  /** Events per delivered batch. */
  readonly batchSize: number;
  /** Deliveries of one event before it is parked (KurrentDB `maxRetryCount`). */
  readonly maxRetryCount: number;
  /** An unsettled batch is redelivered after this long (KurrentDB `messageTimeout`). */
  readonly messageTimeoutMs: number;
  /** A consumer that has not renewed its lease for this long is considered dead. */
  readonly leaseTimeoutMs: number;
}

export const defaultConsumerGroupSettings: ConsumerGroupSettings = {
  startFrom: "start",
  batchSize: 200,
  maxRetryCount: 5,
  messageTimeoutMs: 30_000,
  leaseTimeoutMs: 5_000,
};

export interface ConsumerGroupInfo {
  readonly name: string;
  readonly settings: ConsumerGroupSettings;
  /** Position of the last settled event; null when nothing settled yet. */
  readonly checkpoint: Position | null;
  readonly parkedCount: number;
  /** Consumer currently holding the group, if any. */
  readonly activeConsumer: string | null;
}

export interface DeliveredEvent extends RecordedEvent {
  /** 0 on first delivery, then 1, 2, ... */
  readonly retryCount: number;
}

export type NackAction = "retry" | "park" | "skip";

export interface ParkedEvent {
  readonly group: string;
  readonly event: RecordedEvent;
  readonly reason: string;
  readonly attempts: number;
  readonly parkedAt: Date;
}

/**
 * A live connection to a consumer group. Only one connection per group is active at a time;
 * others wait in `batches()` until the active one closes or its lease expires.
 */
export interface PersistentSubscription {
  /** Batches in log order. Every event of a batch must be acked or nacked before the next one. */
  batches(): AsyncIterable<readonly DeliveredEvent[]>;
  ack(events: readonly DeliveredEvent[]): Promise<void>;
  nack(event: DeliveredEvent, action: NackAction, reason: string): Promise<void>;
  /** Stops delivery after the batch in hand; releases the group for another consumer. */
  close(): Promise<void>;
  /** True while this connection holds the group. */
  readonly isActive: boolean;
}

export interface SubscribeOptions {
  /** Identifies this consumer in `ConsumerGroupInfo.activeConsumer`. */
  readonly consumerName: string;
  /** How long to wait between polls when the log has nothing new. */
  readonly idleWaitMs?: number;
}

/** Persistent subscriptions over the global log: administration, delivery, parked events. */
export interface ConsumerGroups {
  /**
   * Creates the group, or gives an existing one these settings (batch size, retries, timeouts,
   * lease, filter), so a changed configuration reaches groups made by an earlier deployment. An
   * existing group keeps where it is: `startFrom` applies to a new group only, and the checkpoint
   * and parked events stay. A consumer holding the group uses the new settings once it takes the
   * group again. An adapter that cannot apply a filter in place (KurrentDB cannot widen the filter a
   * subscription was created with) refuses the change rather than deliver less than asked.
   */
  createConsumerGroup(name: string, settings?: Partial<ConsumerGroupSettings>): Promise<void>;
  getConsumerGroup(name: string): Promise<ConsumerGroupInfo | null>;
  /** Moves a group's checkpoint (to rewind a projector after its read model was lost). */
  resetConsumerGroup(name: string, to: Position | null): Promise<void>;
  deleteConsumerGroup(name: string): Promise<void>;
  subscribe(group: string, options: SubscribeOptions): PersistentSubscription;
  listParked(group: string, options?: { limit?: number }): Promise<ParkedEvent[]>;
  /** Re-delivers up to `limit` parked events (oldest first) through the group; returns how many. */
  replayParked(group: string, options?: { limit?: number }): Promise<number>;
}

/** A connection pool's occupancy (metrics). */
export interface PoolStats {
  /** Connections open, idle or busy. */
  readonly total: number;
  readonly idle: number;
  /** Queries waiting for a connection. */
  readonly waiting: number;
  /** The most connections the pool opens. */
  readonly max: number;
}

/** The whole store, as opened: its log and its consumer groups over one connection. */
/**
 * An aggregate's state as of a revision of its stream, kept so a command need not fold the whole
 * stream: it loads the snapshot and folds only the events after it. A cache: deleting every
 * snapshot changes no answer, only how much is read.
 */
export interface Snapshot {
  readonly streamId: string;
  /** The stream revision the state includes (every event up to and including it). */
  readonly revision: StreamRevision;
  /** Version of the state's shape: a snapshot of another shape is not trusted. */
  readonly stateVersion: number;
  readonly state: JsonValue;
  readonly takenAt: Date;
}

/** Where snapshots live: beside the events (a table; in KurrentDB a stream per aggregate). */
export interface SnapshotStore {
  /** The newest snapshot of a stream, or null. */
  readSnapshot(streamId: string): Promise<Snapshot | null>;
  /** Keeps the snapshot unless one of a later revision is already kept. */
  writeSnapshot(snapshot: Omit<Snapshot, "takenAt">): Promise<void>;
  /** Deletes every snapshot (of streams starting with `streamPrefix`, when given); returns how many. */
  deleteSnapshots(streamPrefix?: string): Promise<number>;
}

export interface EventStore extends EventLog, ConsumerGroups, SnapshotStore {
  /** Gives up every subscription's group and closes the connection. */
  close(): Promise<void>;
  /** The connection pool's occupancy, for an adapter that pools connections (PostgreSQL); absent
   * or null otherwise (PGlite has one embedded connection, KurrentDB one gRPC channel). */
  poolStats?(): PoolStats | null;
}

export class WrongExpectedRevision extends Error {
  readonly code = "WRONG_EXPECTED_REVISION";
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamRevision | "no_stream",
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = "WrongExpectedRevision";
  }
}

export class IdempotencyKeyTaken extends Error {
  readonly code = "IDEMPOTENCY_KEY_TAKEN";
  constructor(readonly key: string) {
    super(`Idempotency key ${key} was already used`);
    this.name = "IdempotencyKeyTaken";
  }
}

export class EventStoreUnavailable extends Error {
  readonly code = "EVENT_STORE_UNAVAILABLE";
  constructor(cause: unknown) {
    super("The event store is unavailable", { cause });
    this.name = "EventStoreUnavailable";
  }
}

export class ConsumerGroupNotFound extends Error {
  readonly code = "CONSUMER_GROUP_NOT_FOUND";
  constructor(readonly group: string) {
    super(`Consumer group ${group} does not exist`);
    this.name = "ConsumerGroupNotFound";
  }
}
