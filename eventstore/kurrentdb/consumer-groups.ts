import { randomUUID } from "node:crypto";
import { jsonEvent, type PersistentSubscriptionToAllInfo } from "@kurrent/kurrentdb-client";
import {
  ConsumerGroupNotFound,
  type ConsumerGroupInfo,
  type ConsumerGroupSettings,
  type ConsumerGroups,
  type ParkedEvent,
  type Position,
  type RecordedEvent,
  type SubscribeOptions,
} from "../port";
import { LocalCheckpoints, reportedCheckpoint } from "./checkpoints";
import { isGroupExisting, isGroupMissing, isNoStream, translateError } from "./errors";
import { fromClientEvent } from "./events";
import { planFilter } from "./filters";
import {
  fromNativeSettings,
  nativeUpdate,
  settingsFromJson,
  settingsToJson,
  toNativeSettings,
  validSettings,
  type NativeGroupOptions,
} from "./group-settings";
import {
  GroupStates,
  newGroupState,
  positionToJson,
  withSettings,
  type GroupState,
  type HeldState,
} from "./group-state";
import type { KurrentIo } from "./io";
import { activeConsumer } from "./lease";
import { checkpointStreamOf, countParked, readParked, waitUntilReplayed, type ParkedEntry } from "./parked";
import { readLastEvent } from "./reads";
import { KurrentDbPersistentSubscription } from "./subscription";

export interface ConsumerGroupsContext {
  readonly io: KurrentIo;
  readonly native: NativeGroupOptions;
  /** This process's client connection name, as the server lists it among a group's connections. */
  readonly connectionName: string;
  /** Pause in pushed events that ends a batch before it is full. */
  readonly batchLingerMs: number;
  /** Longest wait for the server to show what it does asynchronously (parking, replays). */
  readonly settleWaitMs: number;
  /** How often a consumer stores its checkpoint in the group's state while it moves. */
  readonly storeCheckpointEveryMs: number;
  readonly headPosition: () => Promise<Position | null>;
}

const DEFAULT_IDLE_WAIT_MS = 250;

/** Most parked events a replay takes at once when no limit is given. */
const REPLAY_ALL = 10_000;

/** The type of the event that makes the server forget its checkpoint (see `restartFrom`). */
const CHECKPOINT_CLEARED = "$ledgerline.checkpoint-cleared";
const SERVER_CHECKPOINT = "$SubscriptionCheckpoint";

/**
 * The ConsumerGroups port over KurrentDB. A group is a persistent subscription to `$all` (filter,
 * settings, where it starts, parked events) plus the group's state (group-state.ts), which adds
 * what the port promises beyond the server's: one active consumer, its checkpoint, replays still
 * listed until settled. The delivery itself is in subscription.ts.
 */
export class KurrentDbConsumerGroups implements ConsumerGroups {
  private readonly states: GroupStates;
  private readonly checkpoints = new LocalCheckpoints();
  private readonly subscriptions = new Set<KurrentDbPersistentSubscription>();
  private closing: Promise<void> | null = null;

  constructor(private readonly context: ConsumerGroupsContext) {
    this.states = new GroupStates(context.io);
  }

  /**
   * Creates the persistent subscription and the group's state. For an existing group, see
   * `updateSettings`: its settings follow these, where it starts from does not.
   */
  async createConsumerGroup(name: string, partial: Partial<ConsumerGroupSettings> = {}): Promise<void> {
    const { io, native } = this.context;
    const settings = validSettings(partial);
    const start = settings.startFrom;
    // The checkpoint is "the last settled position": 'end' settles everything there is now.
    const checkpoint = start === "start" ? null : start === "end" ? await this.context.headPosition() : start;
    let created = true;
    try {
      await io.retrying(() =>
        io.client.createPersistentSubscriptionToAll(name, toNativeSettings(settings, native), {
          filter: planFilter(settings.filter).server,
        }),
      );
    } catch (error) {
      if (!isGroupExisting(error)) throw error;
      created = false;
    }
    const fresh = (previous: HeldState | null) =>
      newGroupState(settingsToJson(settings), checkpoint, (previous?.state.generation ?? 0) + 1);
    if (!created) return this.updateSettings(name, settings, fresh);
    // A new subscription gets a new state, over one left by a deleted group of the same name.
    await this.states.update(name, fresh);
    this.checkpoints.forget(name);
  }

  /**
   * An existing group takes new settings without moving. First its state (the lease timeout lives
   * only there, and the filter this side applies), then the subscription on the server through
   * `updatePersistentSubscriptionToAll` at its own start position, which keeps the server's
   * checkpoint and parked events. The update reloads the subscription and drops its connections,
   * so it is sent only when a server setting changed; the holder then takes the group again, with
   * the new settings. A missing state (group made with another tool, state lost) is written afresh
   * as before. The server's filter cannot change: see ConsumerGroupFilterFixed.
   */
  private async updateSettings(
    name: string,
    settings: ConsumerGroupSettings,
    fresh: (previous: HeldState | null) => GroupState,
  ): Promise<void> {
    const { io, native } = this.context;
    const info = await this.info(name);
    if (!info) throw new ConsumerGroupNotFound(name);
    const held = await this.states.update(name, (current) =>
      !current || current.state.deleted ? fresh(current) : withSettings(name, current.state, settings),
    );
    const started = held ? settingsFromJson(held.state.settings).startFrom : settings.startFrom;
    const update = nativeUpdate(info.settings, { ...settings, startFrom: started }, native);
    if (update) {
      await io.retrying(() => io.client.updatePersistentSubscriptionToAll(name, update), { group: name });
    }
  }

  async getConsumerGroup(name: string): Promise<ConsumerGroupInfo | null> {
    const [info, held] = await Promise.all([this.info(name), this.states.read(name)]);
    if (!info) return null;
    const state = this.stateOf(info, held);
    const settings = settingsFromJson(state.settings);
    const parked = await countParked(this.context.io, name);
    return {
      name,
      settings,
      checkpoint: reportedCheckpoint(state, this.checkpoints.get(name)),
      parkedCount: parked + state.replaying.length,
      activeConsumer: activeConsumer(
        state,
        info.connections.map((connection) => connection.connectionName),
        Date.now(),
        settings.leaseTimeoutMs,
      ),
    };
  }

  /**
   * Moves the checkpoint. KurrentDB resumes a subscription from its own checkpoint and ignores a
   * new start position while it has one, so: the group is taken from its consumer (the state's
   * owner is cleared, with the new checkpoint and a new generation), the server's checkpoint is
   * cleared (an event of another type at the end of its checkpoint stream reads as "none"), and
   * the subscription is updated to start from the new position, which reloads it there and drops
   * its connections. The consumer reconnects, takes the group again and gets what follows the
   * position. Parked events stay (deleting and recreating the subscription would lose them).
   */
  async resetConsumerGroup(name: string, to: Position | null): Promise<void> {
    const info = await this.info(name);
    if (!info) throw new ConsumerGroupNotFound(name);
    const held = await this.states.update(name, (current) => {
      const state = this.stateOf(info, current);
      return {
        ...state,
        generation: state.generation + 1,
        checkpoint: positionToJson(to),
        owner: null,
        lastHolder: null,
      };
    });
    this.checkpoints.forget(name);
    const settings = settingsFromJson(held!.state.settings);
    await this.restartFrom(name, { ...settings, startFrom: to ?? "start" });
  }

  private async restartFrom(name: string, settings: ConsumerGroupSettings): Promise<void> {
    const { io } = this.context;
    const checkpoints = checkpointStreamOf(name);
    // The running subscription may write one more checkpoint between the clear and the update (it
    // checkpoints in the background); then the reloaded one would resume there: clear again.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await io.retrying(() =>
        io.client.appendToStream(
          checkpoints,
          jsonEvent({ id: randomUUID(), type: CHECKPOINT_CLEARED, data: {} }),
        ),
      );
      await io.retrying(
        () =>
          io.client.updatePersistentSubscriptionToAll(name, toNativeSettings(settings, this.context.native)),
        { group: name },
      );
      const last = await readLastEvent(io, checkpoints);
      if (last?.type !== SERVER_CHECKPOINT) return;
    }
    throw new Error(`Consumer group ${name} kept a server checkpoint through three resets`);
  }

  /** The subscription (its server checkpoint and parked events with it) and the state go. */
  async deleteConsumerGroup(name: string): Promise<void> {
    const { io } = this.context;
    await io.retrying(() => io.client.deletePersistentSubscriptionToAll(name), { group: name });
    await this.states.update(name, (current) =>
      current && !current.state.deleted ? { ...current.state, owner: null, deleted: true } : null,
    );
    this.checkpoints.forget(name);
  }

  /**
   * Parked events, oldest first: those asked back by a replay stay listed until settled (the
   * server has struck them from its parked stream already), then the parked stream's.
   */
  async listParked(name: string, { limit = 100 }: { limit?: number } = {}): Promise<ParkedEvent[]> {
    const { io } = this.context;
    const [info, held] = await Promise.all([this.info(name), this.states.read(name)]);
    if (!info) throw new ConsumerGroupNotFound(name);
    const state = this.stateOf(info, held);
    const replaying: ParkedEntry[] = state.replaying.map((entry) => ({
      number: BigInt(entry.parkedNumber),
      target: { streamId: entry.streamId, revision: entry.revision },
      reason: entry.reason,
      attempts: entry.attempts,
      parkedAt: new Date(entry.parkedAt),
    }));
    const entries = [...replaying, ...(await readParked(io, name, limit))]
      .sort((a, b) => a.parkedAt.getTime() - b.parkedAt.getTime() || compareBigInts(a.number, b.number))
      .slice(0, limit);
    const parked: ParkedEvent[] = [];
    for (const entry of entries) {
      const event = await this.eventAt(entry.target);
      if (event)
        parked.push({
          group: name,
          event,
          reason: entry.reason,
          attempts: entry.attempts,
          parkedAt: entry.parkedAt,
        });
    }
    return parked;
  }

  /**
   * Puts up to `limit` parked events (oldest first) back ahead of new ones. They are recorded in
   * the group's state first (so they stay listed until settled), then the server replays them:
   * it pushes them to the consumer and then truncates its parked stream past them, which is
   * waited for, so they are on their way when this returns.
   */
  async replayParked(name: string, { limit }: { limit?: number } = {}): Promise<number> {
    const { io, settleWaitMs } = this.context;
    const info = await this.info(name);
    if (!info) throw new ConsumerGroupNotFound(name);
    const entries = await readParked(io, name, limit ?? REPLAY_ALL);
    const last = entries.at(-1);
    if (!last) return 0;
    const asked: GroupState["replaying"] = [];
    for (const entry of entries) {
      const event = await this.eventAt(entry.target);
      if (!event) continue;
      asked.push({
        eventId: event.id,
        streamId: entry.target.streamId,
        revision: entry.target.revision,
        reason: entry.reason,
        attempts: entry.attempts,
        parkedAt: entry.parkedAt.toISOString(),
        parkedNumber: entry.number.toString(),
      });
    }
    await this.states.update(name, (current) => {
      const state = this.stateOf(info, current);
      const known = new Set(state.replaying.map((entry) => entry.eventId));
      return {
        ...state,
        replaying: [...state.replaying, ...asked.filter((entry) => !known.has(entry.eventId))],
      };
    });
    await io.retrying(() => io.client.replayParkedMessagesToAll(name, { stopAt: last.number + 1n }), {
      group: name,
    });
    await waitUntilReplayed(io, name, last.number, settleWaitMs);
    return entries.length;
  }

  subscribe(group: string, options: SubscribeOptions): KurrentDbPersistentSubscription {
    if (this.closing) throw new Error("The event store is closed");
    const subscription = new KurrentDbPersistentSubscription({
      io: this.context.io,
      states: this.states,
      checkpoints: this.checkpoints,
      group,
      consumerName: options.consumerName,
      connectionName: this.context.connectionName,
      idleWaitMs: options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS,
      lingerMs: this.context.batchLingerMs,
      settleWaitMs: this.context.settleWaitMs,
      storeCheckpointEveryMs: this.context.storeCheckpointEveryMs,
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Gives up every subscription's group; the client is the store's to dispose of. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((subscription) => subscription.shutdown()));
      this.subscriptions.clear();
    })();
    return this.closing;
  }

  private async info(name: string): Promise<PersistentSubscriptionToAllInfo | null> {
    const { io } = this.context;
    try {
      return await io.retrying(() => io.client.getPersistentSubscriptionToAllInfo(name), { group: name });
    } catch (error) {
      if (error instanceof ConsumerGroupNotFound || isGroupMissing(error)) return null;
      throw translateError(error, { group: name });
    }
  }

  /** The group's state; for a group made with another tool, one derived from the server's settings. */
  private stateOf(info: PersistentSubscriptionToAllInfo, held: HeldState | null): GroupState {
    if (held && !held.state.deleted) return held.state;
    return newGroupState(
      settingsToJson(fromNativeSettings(info.settings)),
      null,
      (held?.state.generation ?? 0) + 1,
    );
  }

  /** The recorded event a parked entry points to (read from its own stream, with its own position). */
  private async eventAt(target: ParkedEntry["target"]): Promise<RecordedEvent | null> {
    const { io } = this.context;
    return io.retrying(async () => {
      try {
        for await (const { event } of io.client.readStream(target.streamId, {
          fromRevision: BigInt(target.revision),
          maxCount: 1,
        })) {
          if (event) return fromClientEvent(event);
        }
      } catch (error) {
        if (isNoStream(error)) return null;
        throw error;
      }
      return null;
    });
  }
}

function compareBigInts(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
