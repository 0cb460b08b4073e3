import { KurrentDBClient } from "@kurrent/kurrentdb-client";
import { ComposedEventStore } from "../composed-store";
import { clientConnectionString } from "./connection";
import { KurrentDbConsumerGroups } from "./consumer-groups";
import { defaultNativeGroupOptions, type NativeGroupOptions } from "./group-settings";
import { KurrentIo } from "./io";
import { KurrentDbEventLog } from "./log";
import { KurrentDbSnapshots } from "./snapshots";

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
export class KurrentDbEventStore extends ComposedEventStore {
  private readonly io: KurrentIo;

  constructor(client: KurrentDBClient, connectionName: string, options: KurrentDbStoreOptions = {}) {
    const io = new KurrentIo(client);
    const log = new KurrentDbEventLog(io, options.countLimit ?? 100_000);
    const groups = new KurrentDbConsumerGroups({
      io,
      native: {
        consumerStrategy: options.consumerStrategy ?? defaultNativeGroupOptions.consumerStrategy,
        checkpointAfterMs: options.checkpointAfterMs ?? defaultNativeGroupOptions.checkpointAfterMs,
      },
      connectionName,
      batchLingerMs: options.batchLingerMs ?? 15,
      settleWaitMs: options.settleWaitMs ?? 5_000,
      storeCheckpointEveryMs: options.storeCheckpointEveryMs ?? 5_000,
      headPosition: () => log.headPosition(),
    });
    super(log, groups, new KurrentDbSnapshots(io));
    this.io = io;
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

  protected async disconnect(): Promise<void> {
    await this.io.client.dispose();
  }
}
