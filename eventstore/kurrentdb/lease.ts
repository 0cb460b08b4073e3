import type { GroupState } from "./group-state";

/*
 * Single active consumer on KurrentDB. The server has no exclusive consumer: every connected
 * client of a persistent subscription gets events (DispatchToSingle fills one client's buffer,
 * then moves to the next). So only the holder of the group's lease connects at all.
 *
 * The lease is the `owner` of the group's state (group-state.ts), taken with an optimistic-
 * concurrency append, so one process wins. It needs no heartbeat writes: the holder is alive as long
 * as the server lists a connection of the holder's process on the group (each process's client
 * has its own connection name). A contender takes the group over once that connection has been
 * gone for leaseTimeoutMs, which covers a holder that died (its connection closes, or gRPC
 * keep-alive gives up on it) and leaves a holder that is reconnecting a grace period.
 */

export type LeaseDecision =
  /** This subscription holds the group. */
  | "mine"
  /** Nobody holds it, or its holder is gone: take it (with the revision the state was read at). */
  | "take"
  /** Someone else holds it. */
  | "wait";

export interface LeaseView {
  readonly state: GroupState;
  readonly myToken: string;
  /** Whether the server lists a connection of the owner's process on the group (undefined: not asked). */
  readonly ownerConnected: boolean | undefined;
  /** How long this contender has seen the owner without a connection (same state throughout). */
  readonly ownerAbsentForMs: number;
  readonly leaseTimeoutMs: number;
}

export function decideLease(view: LeaseView): LeaseDecision {
  const { owner } = view.state;
  if (!owner) return "take";
  if (owner.token === view.myToken) return "mine";
  if (view.ownerConnected !== false) return "wait";
  return view.ownerAbsentForMs >= view.leaseTimeoutMs ? "take" : "wait";
}

/** activeConsumer of ConsumerGroupInfo: the owner while connected, or while it has just taken over. */
export function activeConsumer(
  state: GroupState,
  connectedNames: readonly string[],
  now: number,
  leaseTimeoutMs: number,
): string | null {
  const { owner } = state;
  if (!owner) return null;
  if (connectedNames.includes(owner.connection)) return owner.name;
  return now - Date.parse(owner.since) < leaseTimeoutMs ? owner.name : null;
}

/**
 * Tracks, for a contender, since when the owner has been seen without a connection. Any change of
 * the state (another revision) starts the count again.
 */
export class AbsenceClock {
  private seen: { revision: bigint; since: number } | null = null;

  observe(revision: bigint, connected: boolean, now: number): number {
    if (connected || !this.seen || this.seen.revision !== revision) {
      this.seen = connected ? null : { revision, since: now };
      return 0;
    }
    return now - this.seen.since;
  }
}
