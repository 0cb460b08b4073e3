import { identityStream } from "./identity";
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
  PersistentSubscription,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  SubscribeOptions,
} from "./port";

/**
 * The published event contracts, as the store's door needs them. The port knows no event type:
 * whoever opens the store hands this in (server/ passes the domain's catalogue), so every adapter
 * refuses the same events the same way.
 */
export interface EventContracts {
  /**
   * Checks one event about to be appended to `streamId` and answers the stable id of the schema it
   * fits, which the stored envelope then carries (`metadata.schemaId`). Throws when the event does
   * not fit its contract: the append is then refused whole, before anything reaches the store.
   */
  check(
    streamId: string,
    event: { readonly type: string; readonly schemaVersion: number; readonly data: unknown },
  ): string;
}

/** The metadata field naming the schema an event was checked against at append. */
export const schemaIdField = "schemaId";

/**
 * The store with a door: every event of every append is checked against its contract first, and
 * stored naming its schema. One refused event refuses the whole append and nothing is written
 * (no event, no idempotency record). The store's own identity record (identity.ts) is the one
 * stream no contract covers. Reads, consumer groups, snapshots and closing are the store's own.
 */
export function withContracts(store: EventStore, contracts: EventContracts): EventStore {
  return new ContractCheckedStore(store, contracts);
}

class ContractCheckedStore implements EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly contracts: EventContracts,
  ) {}

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    if (streamId === identityStream) return this.store.appendToStream(streamId, events, options);
    const checked = events.map((event) => {
      const schemaVersion = event.schemaVersion ?? 1;
      const schemaId = this.contracts.check(streamId, { type: event.type, schemaVersion, data: event.data });
      return { ...event, schemaVersion, metadata: { ...event.metadata, [schemaIdField]: schemaId } };
    });
    return this.store.appendToStream(streamId, checked, options);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, options);
  }
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
  }
  headPosition(): Promise<Position | null> {
    return this.store.headPosition();
  }
  countAfter(position: Position | null, filter?: EventFilter): Promise<number> {
    return this.store.countAfter(position, filter);
  }
  readIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    return this.store.readIdempotencyRecord(key);
  }
  ping(): Promise<void> {
    return this.store.ping();
  }
  createConsumerGroup(name: string, settings?: Partial<ConsumerGroupSettings>): Promise<void> {
    return this.store.createConsumerGroup(name, settings);
  }
  getConsumerGroup(name: string): Promise<ConsumerGroupInfo | null> {
    return this.store.getConsumerGroup(name);
  }
  resetConsumerGroup(name: string, to: Position | null): Promise<void> {
    return this.store.resetConsumerGroup(name, to);
  }
  deleteConsumerGroup(name: string): Promise<void> {
    return this.store.deleteConsumerGroup(name);
  }
  subscribe(group: string, options: SubscribeOptions): PersistentSubscription {
    return this.store.subscribe(group, options);
  }
  listParked(group: string, options?: { limit?: number }): Promise<ParkedEvent[]> {
    return this.store.listParked(group, options);
  }
  replayParked(group: string, options?: { limit?: number }): Promise<number> {
    return this.store.replayParked(group, options);
  }
  readSnapshot(streamId: string): Promise<Snapshot | null> {
    return this.store.readSnapshot(streamId);
  }
  writeSnapshot(snapshot: Omit<Snapshot, "takenAt">): Promise<void> {
    return this.store.writeSnapshot(snapshot);
  }
  deleteSnapshots(streamPrefix?: string): Promise<number> {
    return this.store.deleteSnapshots(streamPrefix);
  }
  close(): Promise<void> {
    return this.store.close();
  }
}
