import { KurrentDBClient } from "@kurrent/kurrentdb-client";
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
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  SubscribeOptions,
} from "../port";
import { clientConnectionString } from "./connection";
import { KurrentDbConsumerGroups } from "./consumer-groups";
import { defaultNativeGroupOptions, type NativeGroupOptions } from "./group-settings";
import { KurrentIo } from "./io";
import { KurrentDbEventLog } from "./log";
import { KurrentDbSnapshots } from "./snapshots";
import type { KurrentDbPersistentSubscription } from "./subscription";

export interface KurrentDbStoreOptions extends Partial<NativeGroupOptions> {
  /** Pause in pushed events that ends a batch before it is full. */
  readonly batchLingerMs?: number;
  /** Longest wait for the server to show what it does asynchronously (parking, replays). */
  readonly settleWaitMs?: number;
  /** How often a consumer stores its checkpoint in the group's state while it moves. */
  readonly storeCheckpointEveryMs?: number;
  /** countAfter counts at most this many events (it reads each one). */
  readonly countLimit?: number;
}

/**
 * The EventStore port over KurrentDB (EventStoreDB), through @kurrent/kurrentdb-client: the log
 * (log.ts) and the consumer groups (consumer-groups.ts) over one client, which this store owns and
 * disposes of. Nothing connects until the first call, and a store that cannot be reached answers
 * EventStoreUnavailable, so a gateway starts and reports "not ready" rather than dying.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly io: KurrentIo;
  private readonly log: KurrentDbEventLog;
  private readonly groups: KurrentDbConsumerGroups;
  private readonly snapshots: KurrentDbSnapshots;
  private closing: Promise<void> | null = null;

  constructor(client: KurrentDBClient, connectionName: string, options: KurrentDbStoreOptions = {}) {
    this.io = new KurrentIo(client);
    this.log = new KurrentDbEventLog(this.io, options.countLimit ?? 100_000);
    this.snapshots = new KurrentDbSnapshots(this.io);
    this.groups = new KurrentDbConsumerGroups({
      io: this.io,
      native: {
        consumerStrategy: options.consumerStrategy ?? defaultNativeGroupOptions.consumerStrategy,
        checkpointAfterMs: options.checkpointAfterMs ?? defaultNativeGroupOptions.checkpointAfterMs,
      },
      connectionName,
      batchLingerMs: options.batchLingerMs ?? 15,
      settleWaitMs: options.settleWaitMs ?? 5_000,
      storeCheckpointEveryMs: options.storeCheckpointEveryMs ?? 5_000,
      headPosition: () => this.log.headPosition(),
    });
  }

  /** A store for a `kurrentdb://` (or `esdb://`) URL; the client connects lazily. */
  static fromUrl(url: string, options?: KurrentDbStoreOptions): KurrentDbEventStore {
    const { connectionString, connectionName } = clientConnectionString(url);
    return new KurrentDbEventStore(
      KurrentDBClient.connectionString(connectionString),
      connectionName,
      options,
    );
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

  subscribe(group: string, options: SubscribeOptions): KurrentDbPersistentSubscription {
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

  /** Gives up every subscription's group, then closes the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.groups.close();
      await this.io.client.dispose();
    })();
    return this.closing;
  }
}
