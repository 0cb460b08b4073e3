import type {
  AppendOptions,
  AppendResult,
  ConsumerGroupInfo,
  ConsumerGroups,
  ConsumerGroupSettings,
  EventFilter,
  EventLog,
  EventStore,
  EventToAppend,
  IdempotencyRecord,
  ParkedEvent,
  PersistentSubscription,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  SnapshotStore,
  SubscribeOptions,
} from "./port";

/** Consumer groups that hold live subscriptions, which the store gives up before it disconnects. */
export interface ClosableConsumerGroups extends ConsumerGroups {
  close(): Promise<void>;
}

/**
 * The EventStore port made of its three parts. Every adapter builds a log, consumer groups and a
 * snapshot store over the one connection it owns; the port's methods forward to them here, once,
 * so an adapter says only how its parts are made and how its connection closes.
 */
export abstract class ComposedEventStore<Log extends EventLog = EventLog> implements EventStore {
  private closing: Promise<void> | null = null;

  protected constructor(
    protected readonly log: Log,
    protected readonly groups: ClosableConsumerGroups,
    protected readonly snapshots: SnapshotStore,
  ) {}

  /** Closes the connection once every subscription has given up its group. */
  protected abstract disconnect(): Promise<void>;

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

  subscribe(group: string, options: SubscribeOptions): PersistentSubscription {
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

  /** Gives up every subscription's group, then closes the connection; later calls share the first. */
  close(): Promise<void> {
    this.closing ??= this.groups.close().then(() => this.disconnect());
    return this.closing;
  }
}
