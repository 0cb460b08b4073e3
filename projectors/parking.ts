import type { Redis } from "ioredis";
import type { DeliveredEvent, EventStore, PersistentSubscription } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { ViewUnit } from "../readmodels/batch-writer";
import type { ReadModelKeys } from "../readmodels/keys";
import { ProjectorBookkeeping } from "../readmodels/projector-bookkeeping";
import type { Log } from "./log";
import type { Projector } from "./projector";

/** The consumer group a projector reads from by default. */
export function projectorGroup(projector: string): string {
  return `projector-${projector}`;
}

/**
 * What happens to an event that does not apply: the retry and parking policy of one projector.
 *
 * An event that failed (its handler threw, or Redis refused its writes), or that arrived while an
 * earlier event of its stream is missing, is retried with a growing wait; on its last attempt it is
 * parked, and its stream is blocked: later events of that stream are parked behind it at once
 * (never applied out of order, never burning retries) until a replay puts them through in order.
 * Other streams keep moving. Redis's checkpoint stays before a retried event until it is parked,
 * so a crash meanwhile redelivers it rather than losing it.
 *
 * An operator may mark a parked event to skip (`skipParkedEvent`): it then passes as a no-op (its
 * stream's guard advances, nothing else is written) and the events behind it apply in order.
 */
export class ParkingPolicy {
  /** Streams with a parked event, and which one. */
  private blockedStreams = new Map<string, string>();
  private maxRetryCount = 5;
  /** How many skip marks exist (refreshed with each freshness report). */
  private skipsMarked = 0;

  constructor(
    private readonly store: EventStore,
    private readonly groupName: string,
    private readonly projector: Projector,
    private readonly bookkeeping: ProjectorBookkeeping,
    private readonly log: Log,
    private readonly retryBackoffMs = 50,
  ) {}

  set retries(maxRetryCount: number) {
    this.maxRetryCount = maxRetryCount;
  }

  /** Reloads which streams wait behind a parked event (a replay or skip may have freed them). */
  async refresh(): Promise<void> {
    const parked = await this.store.listParked(this.groupName, { limit: 10_000 });
    const blocked = new Map<string, string>();
    for (const p of parked) if (!blocked.has(p.event.streamId)) blocked.set(p.event.streamId, p.event.id);
    this.blockedStreams = blocked;
  }

  /** Called with each report: picks up skip marks and parked events an operator changed. */
  async refreshIfChanged(parkedCount: number): Promise<void> {
    this.skipsMarked = await this.bookkeeping.skipMarkCount();
    if (parkedCount !== this.blockedStreams.size) await this.refresh();
  }

  /** Waits before a batch that carries retried events: exponential, capped, so a poison event
   * does not spin the projector. Ends early when `signal` aborts (the runner stops). */
  async backOff(batch: readonly DeliveredEvent[], signal: AbortSignal): Promise<void> {
    const retries = Math.max(0, ...batch.map((event) => event.retryCount));
    if (retries === 0) return;
    await pause(Math.min(2_000, this.retryBackoffMs * 2 ** (retries - 1)), signal);
  }

  /** Events of this batch an operator marked to skip (read only when something failed or marks exist). */
  async skippedIn(batch: readonly DeliveredEvent[], anyFailed: boolean): Promise<Set<string>> {
    if (!anyFailed && this.skipsMarked === 0) return new Set();
    const marked = await this.bookkeeping.skipMarks();
    return new Set(batch.filter((event) => marked.has(event.id)).map((event) => event.id));
  }

  /** A skipped event: its stream's guard advances so later events apply, nothing else is written. */
  passOver(event: DeliveredEvent): ViewUnit {
    const guard = this.projector.guardFor(event);
    return { position: formatPosition(event.position), ok: true, guard, ops: [], notices: [] };
  }

  async skipsApplied(eventIds: Set<string>): Promise<void> {
    if (eventIds.size === 0) return;
    await this.bookkeeping.clearSkipMarks(eventIds);
    this.log.warn(
      { projector: this.projector.name, eventIds: [...eventIds] },
      "skipped parked events as an operator asked",
    );
  }

  /**
   * Retries or parks an event that did not apply. `cause` is why it failed; null when it only
   * waits for an earlier event of its stream. Logged once, when it is parked, with the cause.
   */
  async setAside(subscription: PersistentSubscription, event: DeliveredEvent, cause: string | null) {
    const blockedBy = this.blockedStreams.get(event.streamId);
    if (cause === null && blockedBy !== undefined && blockedBy !== event.id) {
      await subscription.nack(event, "park", `waiting behind parked event ${blockedBy} of the same stream`);
      return;
    }
    const reason = cause ?? "an earlier event of this stream is not applied yet";
    if (event.retryCount + 1 < this.maxRetryCount) {
      await subscription.nack(event, "retry", reason);
      return;
    }
    this.blockedStreams.set(event.streamId, event.id);
    this.log.error(
      {
        projector: this.projector.name,
        eventId: event.id,
        eventType: event.type,
        streamId: event.streamId,
        revision: event.revision,
        position: formatPosition(event.position),
        correlationId: event.metadata.correlationId,
        attempts: event.retryCount + 1,
        reason,
      },
      "event parked after its last attempt; later events of its stream wait behind it",
    );
    await subscription.nack(event, "park", reason);
  }
}

/**
 * Skips a parked event after an operator decided it should never be applied: it is marked, then
 * the parked events up to it are replayed; the projector passes the marked one as a no-op, so the
 * events parked behind it apply in order. Returns how many parked events were replayed, or null
 * when the event is not parked.
 */
export async function skipParkedEvent(
  store: EventStore,
  redis: Redis,
  keys: ReadModelKeys,
  projector: string,
  eventId: string,
): Promise<number | null> {
  const group = projectorGroup(projector);
  const parked = await store.listParked(group, { limit: 10_000 });
  const index = parked.findIndex((p) => p.event.id === eventId);
  if (index < 0) return null;
  await new ProjectorBookkeeping(redis, keys, projector).markToSkip(eventId);
  return store.replayParked(group, { limit: index + 1 });
}

/** Waits `ms`, or less when `signal` aborts first. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
