import { randomUUID } from "node:crypto";
import type { RecordedEvent as ClientRecordedEvent } from "@kurrent/kurrentdb-client";
import {
  ConsumerGroupNotFound,
  EventStoreUnavailable,
  defaultConsumerGroupSettings,
  type ConsumerGroupSettings,
  type DeliveredEvent,
  type NackAction,
  type PersistentSubscription,
  type Position,
} from "../port";
import { readRevisions } from "./append";
import { BatchInHand, type Delivery, type Outcome } from "./batch";
import { advanceCheckpoint, reportedCheckpoint, type LocalCheckpoints } from "./checkpoints";
import { DeliveryBuffer } from "./delivery-buffer";
import { isGroupMissing, isTransient } from "./errors";
import { fromClientEvent } from "./events";
import { planFilter, type FilterPlan } from "./filters";
import { fromNativeSettings, settingsFromJson, settingsToJson } from "./group-settings";
import {
  StateConflict,
  type GroupStates,
  newGroupState,
  positionFromJson,
  positionToJson,
  type GroupState,
  type HeldState,
} from "./group-state";
import type { KurrentIo } from "./io";
import { AbsenceClock, decideLease } from "./lease";
import { NativeConnection, type RawDelivery } from "./native";
import { encodeParkReason, linkTargetOf, parkedStreamOf, waitUntilParked } from "./parked";
import { atOrBefore, fromClientPosition, laterOf } from "./positions";

export interface SubscriptionContext {
  readonly io: KurrentIo;
  readonly states: GroupStates;
  readonly checkpoints: LocalCheckpoints;
  readonly group: string;
  readonly consumerName: string;
  /** This process's client connection name, as the server lists it among a group's connections. */
  readonly connectionName: string;
  readonly idleWaitMs: number;
  /** How long a batch waits for more pushed events after the last one came. */
  readonly lingerMs: number;
  /** How long a settled batch waits for its parked events to show in the parked stream. */
  readonly settleWaitMs: number;
  /** How often the holder stores its checkpoint in the group's state while it moves. */
  readonly storeCheckpointEveryMs: number;
  /** Called once the subscription has let go of its group for good. */
  readonly onClosed: (subscription: KurrentDbPersistentSubscription) => void;
}

/** Longest pause after the store was unreachable before trying again. */
const MAX_OUTAGE_PAUSE_MS = 5_000;

class LeaseLost extends Error {}

/**
 * A consumer's connection to a group (the port's PersistentSubscription) on top of a KurrentDB
 * persistent subscription to `$all`:
 *
 * - Single active consumer: only the holder of the group's lease (lease.ts) connects to the server.
 *   Others poll the lease every min(idleWaitMs, leaseTimeoutMs / 3).
 * - Delivery: the server pushes events (at most batchSize in flight); they are grouped into batches
 *   (delivery-buffer.ts). Events this side's filter drops, and deliveries at or before the
 *   group's checkpoint (duplicates after the server restarted from its own, older checkpoint, and
 *   the start position itself, which the server includes), are acked without being delivered.
 * - Settlement: ack → ack; nack park / skip → the same; nack retry → retry, or park once the
 *   event's deliveries reach maxRetryCount + 1 (decided here, so the reason is the consumer's).
 *   A batch left unsettled past messageTimeoutMs is given up: the server times the events out
 *   itself and delivers them again with their retry count raised.
 * - Checkpoint: see checkpoints.ts.
 */
export class KurrentDbPersistentSubscription implements PersistentSubscription {
  private readonly token = randomUUID();
  private settings: ConsumerGroupSettings = defaultConsumerGroupSettings;
  private plan: FilterPlan = planFilter(undefined);
  private held: HeldState | null = null;
  private active = false;
  private closing = false;
  private crashed = false;
  private iterating = false;
  private native: NativeConnection | null = null;
  private readonly buffer = new DeliveryBuffer<Delivery>();
  private inHand: BatchInHand | null = null;
  /** Events nacked with retry or given up, by id: the checkpoint stays before them. */
  private readonly retrying = new Map<string, Position>();
  /** Replayed parked events settled for good, to be removed from the group's state. */
  private readonly replaysSettled = new Set<string>();
  private skipThrough: Position | null = null;
  private intake: Promise<void> = Promise.resolve();
  private readonly absence = new AbsenceClock();
  private storedAt = 0;
  private pause: { done: Promise<void>; interrupt(): void } | null = null;
  private closed: Promise<void> | null = null;
  private released: Promise<void> | null = null;

  constructor(private readonly context: SubscriptionContext) {}

  get isActive(): boolean {
    return this.active;
  }

  async *batches(): AsyncGenerator<readonly DeliveredEvent[]> {
    if (this.iterating) throw new Error("batches() of a subscription can be iterated only once");
    this.iterating = true;
    let outagePauseMs = this.context.idleWaitMs;
    try {
      while (!this.closing) {
        try {
          if (!this.active && !(await this.acquire())) {
            await this.sleep(this.leasePollMs());
            continue;
          }
          this.native ??= this.connect();
          outagePauseMs = this.context.idleWaitMs;
        } catch (error) {
          if (!(error instanceof EventStoreUnavailable)) throw error;
          // The store comes back by itself; the lease, if kept meanwhile, is still ours.
          await this.sleep(outagePauseMs);
          outagePauseMs = Math.min(outagePauseMs * 2, MAX_OUTAGE_PAUSE_MS);
          continue;
        }
        const native = this.native;
        const deliveries = native.isDropped
          ? null
          : await this.buffer.next(this.settings.batchSize, this.context.lingerMs);
        if (!deliveries) {
          if (native.isDropped) await this.reconnectAfter(native);
          continue;
        }
        const batch = new BatchInHand(deliveries, Date.now() + this.settings.messageTimeoutMs);
        this.inHand = batch;
        yield batch.events;
        // Once closed, moving on gives up what is unsettled instead of waiting for its timeout.
        if (this.closing && !batch.isSettled) this.giveUp(batch);
        await this.settledOrExpired(batch, native);
        this.inHand = null;
      }
    } finally {
      // Leaving the loop early (break, throw) gives up the batch in hand: delivered again later.
      this.closing = true;
      if (this.inHand) this.giveUp(this.inHand);
      this.inHand = null;
      await this.release();
      this.context.onClosed(this);
    }
  }

  async ack(events: readonly DeliveredEvent[]): Promise<void> {
    const batch = this.inHand;
    if (!batch) return;
    const settled = events.flatMap((event) => batch.settle(event.id, "ack") ?? []);
    this.buffer.discard(settled.map((delivery) => delivery.id));
    await this.native?.ack(settled.map((delivery) => delivery.raw));
    await this.completeIfSettled(batch);
  }

  async nack(event: DeliveredEvent, action: NackAction, reason: string): Promise<void> {
    const batch = this.inHand;
    if (!batch) return;
    const attempts = event.retryCount + 1;
    const outcome: Outcome =
      action === "park" || (action === "retry" && attempts > this.settings.maxRetryCount) ? "park" : action;
    const delivery = batch.settle(event.id, outcome);
    if (!delivery) return;
    if (outcome === "retry") {
      this.retrying.set(delivery.id, delivery.position);
      await this.native?.nack("retry", reason, delivery.raw);
    } else {
      this.buffer.discard([delivery.id]);
      const sent = outcome === "park" ? encodeParkReason(reason, attempts) : reason;
      await this.native?.nack(outcome, sent, delivery.raw);
    }
    await this.completeIfSettled(batch);
  }

  /**
   * Stops delivery. With no batch in hand the group is released before this resolves. Otherwise
   * the consumer may still settle the batch in hand and the group is released once it is, once
   * the iteration moves on, or at the batch's message timeout, whichever comes first.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.pause?.interrupt();
      this.buffer.stop();
      const batch = this.inHand;
      if (batch && this.active && !batch.isFinished) {
        void within(batch.done, batch.deadline - Date.now(), { holdProcess: false }).then(() =>
          this.release(),
        );
        return;
      }
      await this.release();
      if (!this.iterating) this.context.onClosed(this);
    })();
    return this.closed;
  }

  /** Store shutdown: give everything up at once, the batch in hand included. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.pause?.interrupt();
    this.buffer.stop();
    if (this.inHand) this.giveUp(this.inHand);
    await this.release();
  }

  /**
   * Test hook: behave like a process that died holding the group. The connection drops (as the
   * server would see a dead process's), the lease is left behind for a contender to take over.
   */
  simulateCrash(): void {
    this.crashed = true;
    this.closing = true;
    this.active = false;
    this.buffer.stop();
    this.pause?.interrupt();
    this.inHand?.finish();
    this.inHand = null;
    void this.native?.close(this.context.connectionName, { abruptly: true });
    this.native = null;
    this.closed = Promise.resolve();
  }

  /** Takes the lease if it is free or its holder is gone; false while someone else holds it. */
  private async acquire(): Promise<boolean> {
    const { states, group } = this.context;
    let held = await states.read(group);
    if (!held || held.state.deleted) held = await this.adopt(held);
    this.settings = settingsFromJson(held.state.settings);
    this.plan = planFilter(this.settings.filter);
    const owner = held.state.owner;
    let ownerConnected: boolean | undefined;
    let ownerAbsentForMs = 0;
    if (owner && owner.token !== this.token) {
      ownerConnected = (await this.connectedNames()).includes(owner.connection);
      ownerAbsentForMs = this.absence.observe(held.revision, ownerConnected, Date.now());
    }
    const decision = decideLease({
      state: held.state,
      myToken: this.token,
      ownerConnected,
      ownerAbsentForMs,
      leaseTimeoutMs: this.settings.leaseTimeoutMs,
    });
    if (decision === "wait") return false;
    if (decision === "take") {
      const taken: GroupState = {
        ...held.state,
        owner: {
          name: this.context.consumerName,
          token: this.token,
          connection: this.context.connectionName,
          since: new Date().toISOString(),
        },
      };
      try {
        held = await states.write(group, taken, held.revision);
      } catch (error) {
        if (error instanceof StateConflict) return false;
        throw error;
      }
    }
    this.held = held;
    this.active = true;
    if (this.closing) {
      await this.release();
      return false;
    }
    this.skipThrough = reportedCheckpoint(held.state, this.context.checkpoints.get(group));
    return true;
  }

  /** A group without a state of ours: made with another tool, or the state was lost. */
  private async adopt(previous: HeldState | null): Promise<HeldState> {
    const { io, states, group } = this.context;
    const info = await io.retrying(() => io.client.getPersistentSubscriptionToAllInfo(group), { group });
    const fresh = newGroupState(
      settingsToJson(fromNativeSettings(info.settings)),
      null,
      (previous?.state.generation ?? 0) + 1,
    );
    const adopted = await states.update(group, (current) =>
      current && !current.state.deleted && current.revision !== previous?.revision ? null : fresh,
    );
    if (!adopted) throw new ConsumerGroupNotFound(group);
    return adopted;
  }

  private async connectedNames(): Promise<string[]> {
    const { io, group } = this.context;
    const info = await io.retrying(() => io.client.getPersistentSubscriptionToAllInfo(group), { group });
    return info.connections.map((connection) => connection.connectionName);
  }

  private connect(): NativeConnection {
    const native: NativeConnection = new NativeConnection(
      this.context.io.client,
      this.context.group,
      this.settings.batchSize,
      (raw) => this.receive(native, raw),
    );
    // Wakes a batch being waited for, so the loop sees the drop.
    void native.dropped.then(() => this.buffer.interrupt());
    return native;
  }

  private receive(native: NativeConnection, raw: RawDelivery): void {
    const arrived = this.buffer.arriving();
    this.intake = this.intake
      .then(() => this.accept(native, raw))
      // An event that cannot be prepared stays unsettled: the server times it out and sends it again.
      .catch(() => undefined)
      .finally(arrived);
  }

  private async accept(native: NativeConnection, raw: RawDelivery): Promise<void> {
    if (native !== this.native || native.isDropped) return;
    const recorded = raw.event;
    if (!recorded || !this.plan.matches(recorded)) {
      await native.ack([raw]);
      return;
    }
    const replay = raw.link?.streamId === parkedStreamOf(this.context.group);
    // A replayed event comes through its parked link and may carry the link's position.
    const position =
      (replay ? null : fromClientPosition(recorded.position)) ?? (await this.positionOf(recorded));
    if (!replay && raw.retryCount === 0 && atOrBefore(position, this.skipThrough)) {
      await native.ack([raw]);
      return;
    }
    const event: DeliveredEvent = { ...fromClientEvent(recorded, position), retryCount: raw.retryCount };
    this.buffer.push({ id: recorded.id, position, event, raw, replay });
  }

  private async positionOf(recorded: ClientRecordedEvent): Promise<Position> {
    const [found] = await readRevisions(this.context.io, recorded.streamId, Number(recorded.revision), 1);
    if (!found || found.id.toLowerCase() !== recorded.id.toLowerCase()) {
      throw new Error(`Event ${recorded.id} is no longer in ${recorded.streamId}`);
    }
    return found.position;
  }

  /** The connection ended: give up the batch in hand, pause if the store is away, take it from the top. */
  private async reconnectAfter(native: NativeConnection): Promise<void> {
    if (this.native === native) this.native = null;
    // What was pushed and not yet handed out is the server's again: it comes back on the next connection.
    this.buffer.clear();
    // Ownership is checked again before the next connection: a reset or a delete ended this one.
    this.active = false;
    const error = native.error;
    if (error && isGroupMissing(error)) return;
    await this.sleep(error && isTransient(error) ? MAX_OUTAGE_PAUSE_MS / 5 : this.context.idleWaitMs);
  }

  private completeIfSettled(batch: BatchInHand): Promise<void> {
    if (batch.isSettled && !batch.completion && !batch.isFinished) {
      batch.completion = this.complete(batch).finally(() => batch.finish());
    }
    return batch.completion ?? Promise.resolve();
  }

  /** A settled batch: its parked events visible, the checkpoint moved, replays struck off. */
  private async complete(batch: BatchInHand): Promise<void> {
    const { io, group, checkpoints, settleWaitMs, storeCheckpointEveryMs } = this.context;
    for (const delivery of batch.finals) {
      this.retrying.delete(delivery.id);
      if (delivery.replay) this.replaysSettled.add(delivery.id);
    }
    if (batch.parked.length > 0) {
      const targets = batch.parked.map((delivery) => linkTargetOf(delivery.event));
      await waitUntilParked(io, group, targets, settleWaitMs).catch(() => false);
    }
    const held = this.held;
    if (!held) return;
    const previous = this.localCheckpoint();
    const next = advanceCheckpoint(
      previous,
      batch.finals.filter((delivery) => !delivery.replay).map((delivery) => delivery.position),
      [...this.retrying.values()],
    );
    if (next) checkpoints.advance(group, held.state.generation, this.token, next);
    const moved = next !== previous;
    if (this.replaysSettled.size > 0 || (moved && Date.now() - this.storedAt >= storeCheckpointEveryMs)) {
      await this.store();
    }
  }

  private localCheckpoint(): Position | null {
    const known = this.context.checkpoints.get(this.context.group);
    const generation = this.held?.state.generation;
    return known && known.token === this.token && known.generation === generation ? known.position : null;
  }

  /** Writes the checkpoint (and settled replays) to the group's state, as long as the group is ours. */
  private async store(release = false): Promise<void> {
    const checkpoint = this.localCheckpoint();
    const settled = new Set(this.replaysSettled);
    try {
      const held = await this.context.states.update(this.context.group, (current) => {
        if (!current || current.state.deleted || current.state.owner?.token !== this.token)
          throw new LeaseLost();
        return {
          ...current.state,
          checkpoint: positionToJson(laterOf(positionFromJson(current.state.checkpoint), checkpoint)),
          replaying: current.state.replaying.filter((entry) => !settled.has(entry.eventId)),
          ...(release && { owner: null, lastHolder: this.token }),
        };
      });
      this.held = held;
      this.storedAt = Date.now();
      for (const id of settled) this.replaysSettled.delete(id);
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.lost();
        return;
      }
      // Unreachable store: the next batch (or the release) stores again.
    }
  }

  /** The group was taken from this subscription (reset, delete, takeover): deliver nothing more. */
  private lost(): void {
    this.active = false;
    this.held = null;
    const native = this.native;
    this.native = null;
    void native?.close(this.context.connectionName, { abruptly: true });
    this.buffer.clear();
    this.buffer.interrupt();
  }

  /** Waits for the consumer to settle the batch; past its message timeout, or when the connection drops, gives it up. */
  private async settledOrExpired(batch: BatchInHand, native: NativeConnection): Promise<void> {
    await within(Promise.race([batch.done, native.dropped]), batch.deadline - Date.now());
    if (!batch.isSettled) this.giveUp(batch);
    await batch.done;
  }

  /** What is unsettled goes back to the server (which times it out and delivers it again). */
  private giveUp(batch: BatchInHand): void {
    for (const delivery of batch.abandon()) this.retrying.set(delivery.id, delivery.position);
    if (!batch.completion) batch.finish();
  }

  private release(): Promise<void> {
    this.released ??= (async () => {
      const wasActive = this.active;
      this.active = false;
      const native = this.native;
      this.native = null;
      await native?.close(this.context.connectionName, { abruptly: this.crashed });
      if (wasActive && !this.crashed) await this.store(true);
    })();
    return this.released;
  }

  private leasePollMs(): number {
    return Math.max(10, Math.min(this.context.idleWaitMs, Math.floor(this.settings.leaseTimeoutMs / 3)));
  }

  private async sleep(ms: number): Promise<void> {
    let interrupt!: () => void;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.pause = { done, interrupt };
    if (this.closing) interrupt();
    await done;
    this.pause = null;
  }
}

/**
 * Waits for `promise` at most `ms`, leaving no timer behind. A wait nobody awaits (a deferred
 * release) should not keep the process alive on its own: `holdProcess: false`.
 */
async function within(promise: Promise<unknown>, ms: number, { holdProcess = true } = {}): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
    if (!holdProcess) timer.unref();
  });
  await Promise.race([promise, timeout]);
  clearTimeout(timer);
}
