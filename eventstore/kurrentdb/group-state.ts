import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { jsonEvent } from "@kurrent/kurrentdb-client";
import type { ConsumerGroupSettings, EventFilter, Position } from "../port";
import { ConsumerGroupFilterFixed, isWrongExpectedVersion, translateError } from "./errors";
import { serverFilterCovers } from "./filters";
import {
  filterToJson,
  settingsFromJson,
  settingsToJson,
  type FilterJson,
  type SettingsJson,
} from "./group-settings";
import type { KurrentIo } from "./io";
import { readLastEvent } from "./reads";

/*
 * What a consumer group is beyond KurrentDB's persistent subscription: the port's settings (the
 * lease timeout and the filter the server cannot report back), the port's checkpoint, the lease
 * (who holds the group), and parked events asked back by a replay that are not settled yet.
 *
 * It lives in one stream per group, `ledgerline.consumer-group-<name>`. Every event is the whole
 * state (only the last one counts; the stream keeps a few), and every change is appended with the
 * revision it was made from, so two processes changing a group at once cannot both succeed: that
 * optimistic concurrency is what makes the lease exclusive. Changes are rare: creating, acquiring,
 * releasing, resetting, replays, and the holder's checkpoint every few seconds while it moves.
 * Events have a "$" type, so readers of the global log never see them.
 */

const STATE_EVENT = "$ledgerline.consumer-group";
/** Old states are history nobody reads: the server may scavenge all but the last few. */
const KEEP_EVENTS = 20;

export function groupStateStream(group: string): string {
  return `ledgerline.consumer-group-${group}`;
}

export interface PositionJson {
  commit: string;
  prepare: string;
}

export interface OwnerJson {
  /** The consumer name, reported as ConsumerGroupInfo.activeConsumer. */
  name: string;
  /** Identifies one subscription object; a process may hold several for one group in turn. */
  token: string;
  /** The client connection name of the holder's process, as the server lists its connections. */
  connection: string;
  /** When the holder took the group (its clock): a fresh holder may not be connected yet. */
  since: string;
}

/** A parked event asked back by a replay: still listed (and counted) until it is settled. */
export interface ReplayingJson {
  eventId: string;
  streamId: string;
  revision: number;
  reason: string;
  attempts: number;
  parkedAt: string;
  /** Number of its entry in the parked stream, for ordering with the entries still there. */
  parkedNumber: string;
}

export interface GroupState {
  settings: SettingsJson;
  /**
   * The filter the server's subscription was created with (null: none), once `settings.filter`
   * was changed since: the server keeps filtering by it. Absent: the same as `settings.filter`.
   */
  serverFilter?: FilterJson | null;
  /** Bumped by a reset: a checkpoint a consumer learned before it no longer counts. */
  generation: number;
  /**
   * The port's checkpoint (the last settled event), as last stored. Set by create (the start
   * position) and reset; written by the holder every few seconds and when it lets go. Deliveries
   * at or before it are settled already and skipped, which also makes a start position exclusive
   * (KurrentDB's is inclusive).
   */
  checkpoint: PositionJson | null;
  owner: OwnerJson | null;
  /** The token that held the group last, after it let go (whose in-process checkpoint is newest). */
  lastHolder: string | null;
  replaying: ReplayingJson[];
  deleted?: true;
}

export interface HeldState {
  readonly state: GroupState;
  readonly revision: bigint;
}

export function positionToJson(position: Position | null): PositionJson | null {
  return position && { commit: position.commit.toString(), prepare: position.prepare.toString() };
}

export function positionFromJson(json: PositionJson | null | undefined): Position | null {
  return json ? { commit: BigInt(json.commit), prepare: BigInt(json.prepare) } : null;
}

export function newGroupState(
  settings: SettingsJson,
  checkpoint: Position | null,
  generation: number,
): GroupState {
  return {
    settings,
    generation,
    checkpoint: positionToJson(checkpoint),
    owner: null,
    lastHolder: null,
    replaying: [],
  };
}

/** The filter the server applies to the group's subscription (see `GroupState.serverFilter`). */
export function serverFilterOf(state: GroupState): EventFilter | undefined {
  return state.serverFilter === undefined ? state.settings.filter : (state.serverFilter ?? undefined);
}

/**
 * The state of an existing group given new settings, or null when it has them already. Only the
 * settings change: where the group started stays, and so do its checkpoint, owner and replays. A
 * filter the server would not send everything for is refused (ConsumerGroupFilterFixed).
 */
export function withSettings(
  group: string,
  state: GroupState,
  settings: ConsumerGroupSettings,
): GroupState | null {
  const serverFilter = serverFilterOf(state);
  if (!serverFilterCovers(serverFilter, settings.filter)) throw new ConsumerGroupFilterFixed(group);
  const next: GroupState = {
    ...state,
    settings: settingsToJson({ ...settings, startFrom: settingsFromJson(state.settings).startFrom }),
    serverFilter: serverFilter ? filterToJson(serverFilter) : null,
  };
  return isDeepStrictEqual(next.settings, state.settings) ? null : next;
}

export class StateConflict extends Error {
  constructor(readonly group: string) {
    super(`The state of consumer group ${group} changed meanwhile`);
    this.name = "StateConflict";
  }
}

/** Reads and writes group states (see the top of this file). */
export class GroupStates {
  constructor(private readonly io: KurrentIo) {}

  async read(group: string): Promise<HeldState | null> {
    const last = await readLastEvent(this.io, groupStateStream(group));
    if (!last || last.type !== STATE_EVENT) return null;
    return { state: last.data as unknown as GroupState, revision: last.revision };
  }

  /** Writes a state made from `after` (null: the stream must not exist yet); StateConflict if it moved. */
  async write(group: string, state: GroupState, after: bigint | null): Promise<HeldState> {
    const stream = groupStateStream(group);
    try {
      const result = await this.io.client.appendToStream(
        stream,
        jsonEvent({ id: randomUUID(), type: STATE_EVENT, data: state as unknown as Record<string, unknown> }),
        { streamState: after ?? "no_stream" },
      );
      if (after === null) await this.limitHistory(stream);
      return { state, revision: result.nextExpectedRevision };
    } catch (error) {
      if (isWrongExpectedVersion(error)) throw new StateConflict(group);
      throw translateError(error, { streamId: stream });
    }
  }

  /**
   * Read-modify-write until it sticks. `change` returns the new state, or null to leave it as is;
   * it may throw to give up (a holder that finds the group taken from it).
   */
  async update(
    group: string,
    change: (current: HeldState | null) => GroupState | null,
    attempts = 10,
  ): Promise<HeldState | null> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(group);
      const next = change(current);
      if (!next) return current;
      try {
        return await this.write(group, next, current?.revision ?? null);
      } catch (error) {
        if (!(error instanceof StateConflict) || attempt >= attempts) throw error;
      }
    }
  }

  private async limitHistory(stream: string): Promise<void> {
    await this.io.client.setStreamMetadata(stream, { maxCount: KEEP_EVENTS }).catch(() => undefined);
  }
}
