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
  SubscribeOptions,
} from "../port";
import { appendEvents, validateAppend } from "./append";
import { LocalCheckpoints } from "./checkpoints";
import { clientConnectionString } from "./connection";
import { ConsumerGroups } from "./consumer-groups";
import { defaultNativeGroupOptions, type NativeGroupOptions } from "./group-settings";
import { GroupStates } from "./group-state";
import { appendWithRecord, readIdempotencyRecord } from "./idempotency";
import { KurrentIo } from "./io";
import { countAfter, headPosition, readAll, readStream } from "./reads";
import { KurrentDbPersistentSubscription } from "./subscription";

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

const DEFAULT_IDLE_WAIT_MS = 250;

/**
 * The EventStore port over KurrentDB (EventStoreDB), through @kurrent/kurrentdb-client. Streams,
 * expected revisions, `$all` and its positions map one to one; idempotency records, the port's
 * consumer-group semantics (one active consumer, its checkpoint, replays still listed until
 * settled) are built on top, each in its own module. Nothing connects until the first call, and a
 * store that cannot be reached answers EventStoreUnavailable, so a gateway starts and reports
 * "not ready" rather than dying.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly io: KurrentIo;
  private readonly states: GroupStates;
  private readonly checkpoints = new LocalCheckpoints();
  private readonly groups: ConsumerGroups;
  private readonly subscriptions = new Set<KurrentDbPersistentSubscription>();
  private readonly options: Required<Omit<KurrentDbStoreOptions, keyof NativeGroupOptions>>;
  private closing: Promise<void> | null = null;

  constructor(
    client: KurrentDBClient,
    private readonly connectionName: string,
    options: KurrentDbStoreOptions = {},
  ) {
    this.io = new KurrentIo(client);
    this.states = new GroupStates(this.io);
    this.options = {
      batchLingerMs: options.batchLingerMs ?? 15,
      settleWaitMs: options.settleWaitMs ?? 5_000,
      storeCheckpointEveryMs: options.storeCheckpointEveryMs ?? 5_000,
      countLimit: options.countLimit ?? 100_000,
    };
    this.groups = new ConsumerGroups({
      io: this.io,
      states: this.states,
      checkpoints: this.checkpoints,
      native: {
        consumerStrategy: options.consumerStrategy ?? defaultNativeGroupOptions.consumerStrategy,
        checkpointAfterMs: options.checkpointAfterMs ?? defaultNativeGroupOptions.checkpointAfterMs,
      },
      settleWaitMs: this.options.settleWaitMs,
      headPosition: () => this.headPosition(),
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

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? "any";
    validateAppend(streamId, events, expected);
    return options.idempotency
      ? appendWithRecord(this.io, streamId, events, expected, options.idempotency)
      : appendEvents(this.io, streamId, events, expected);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return readStream(this.io, streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return readAll(this.io, options);
  }

  headPosition(): Promise<Position | null> {
    return headPosition(this.io);
  }

  countAfter(position: Position | null, filter?: EventFilter): Promise<number> {
    return countAfter(this.io, position, filter, this.options.countLimit);
  }

  readIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    return readIdempotencyRecord(this.io, key);
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

  subscribe(group: string, options: SubscribeOptions): KurrentDbPersistentSubscription {
    if (this.closing) throw new Error("The event store is closed");
    const subscription = new KurrentDbPersistentSubscription({
      io: this.io,
      states: this.states,
      checkpoints: this.checkpoints,
      group,
      consumerName: options.consumerName,
      connectionName: this.connectionName,
      idleWaitMs: options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS,
      lingerMs: this.options.batchLingerMs,
      settleWaitMs: this.options.settleWaitMs,
      storeCheckpointEveryMs: this.options.storeCheckpointEveryMs,
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** One read of the log's end: answers, or EventStoreUnavailable at once (readiness, not retried). */
  async ping(): Promise<void> {
    await this.io.once(async () => {
      for await (const _ of this.io.client.readAll({
        direction: "backwards",
        fromPosition: "end",
        maxCount: 1,
      })) {
        break;
      }
    });
  }

  /** Gives up every subscription's group, then closes the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((subscription) => subscription.shutdown()));
      this.subscriptions.clear();
      await this.io.client.dispose();
    })();
    return this.closing;
  }
}
