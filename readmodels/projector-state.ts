import type { Redis } from "ioredis";
import { isCluster } from "./redis-nodes";
import { partitionNames, type ReadModelKeys } from "./keys";
import { comparePositions, parsePosition } from "../eventstore/position";
import { readHashes } from "./hashes";

export type FreshnessStatus = "live" | "catching_up" | "rebuilding" | "stalled" | "stopped";

/** How fresh a projector's views are, as its runner last reported it. */
export interface ProjectorState {
  readonly projector: string;
  readonly status: FreshnessStatus;
  /** Last settled position ("commit:prepare"), null before the first event. */
  readonly checkpoint: string | null;
  readonly head: string | null;
  readonly lagEvents: number;
  readonly lagMs: number;
  readonly eventsPerSecond: number;
  readonly parked: number;
  readonly consumer: string;
  /** When the runner last reported (ISO). */
  readonly reportedAt: string;
  /** How long the report stays true; a runner silent for longer is taken as dead (stalled). */
  readonly trustForMs?: number;
  /** The generation of its view the projector writes (0 until the view's first rebuild). */
  readonly generation?: number;
}

/**
 * A report older than its `trustForMs` (this, for reports that do not say) means no runner is
 * reporting: the view is stalled, whatever it said.
 */
export const reportStaleAfterMs = 10_000;

/**
 * What a projector that no longer reports (stopped, or silent past its report's trust) has fallen
 * further behind since its last report, counted by whoever reads its state: the lag its report
 * gave, at the head it gave, says nothing of what was appended after. Returns the events after
 * `head` (null: the log's start) that the projector takes (for one partition of a partitioned
 * projector: those of every partition, an upper bound). The head is its last report's, so the
 * count covers only what came since it went silent, never the log before.
 */
export interface SilentProjectorLag {
  eventsSince(projector: string, head: string | null): Promise<number>;
}

const severity: Record<FreshnessStatus, number> = {
  live: 0,
  catching_up: 1,
  rebuilding: 2,
  stopped: 3,
  stalled: 4,
};

/** A partitioned projector is as fresh as its least fresh partition. */
function combine(projector: string, parts: ProjectorState[]): ProjectorState {
  const worst = parts.reduce((a, b) => (severity[b.status] > severity[a.status] ? b : a));
  return {
    ...worst,
    projector,
    lagEvents: parts.reduce((sum, p) => sum + p.lagEvents, 0),
    lagMs: Math.max(...parts.map((p) => p.lagMs)),
    eventsPerSecond: parts.reduce((sum, p) => sum + p.eventsPerSecond, 0),
    parked: parts.reduce((sum, p) => sum + p.parked, 0),
    consumer: parts.map((p) => p.consumer).join(","),
    // Partitions move to a rebuilt generation one by one: the view is on it once all of them are.
    generation: Math.min(...parts.map((p) => p.generation ?? 0)),
  };
}

export class ProjectorStateStore {
  /** @param partitions how many partitions each projector runs in (1: not partitioned). */
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
    private readonly partitions = 1,
    /** Counts a silent projector's lag from the log; without it the last report's number stands. */
    private readonly silentLag: SilentProjectorLag | null = null,
  ) {}

  private partitionNames(projector: string): string[] {
    return partitionNames(projector, this.partitions);
  }

  async report(state: ProjectorState): Promise<void> {
    // The roll call beside the report: who reports, under which name, so a process can tell over
    // how many partitions the projectors run without scanning for their reports. A projector that
    // stops leaves it at once (a change of partitions is judged by what still runs).
    const rollCall = this.keys.projectorsReporting();
    if (state.status === "stopped") await this.redis.hdel(rollCall, state.projector);
    else await this.redis.hset(rollCall, state.projector, state.reportedAt);
    await this.redis.hset(this.keys.projectorState(state.projector), {
      status: state.status,
      checkpoint: state.checkpoint ?? "",
      head: state.head ?? "",
      lagEvents: String(state.lagEvents),
      lagMs: String(state.lagMs),
      eventsPerSecond: String(state.eventsPerSecond),
      parked: String(state.parked),
      consumer: state.consumer,
      reportedAt: state.reportedAt,
      ...(state.trustForMs !== undefined && { trustForMs: String(state.trustForMs) }),
      generation: String(state.generation ?? 0),
    });
  }

  async read(projector: string, now: Date): Promise<ProjectorState> {
    const [state] = await this.readMany([projector], now);
    return state!;
  }

  /** States of several projectors in one round trip; a partitioned one is its partitions combined. */
  async readMany(projectors: readonly string[], now: Date): Promise<ProjectorState[]> {
    const names = projectors.map((projector) => this.partitionNames(projector));
    const hashes = await readHashes(this.redis, names.flat().map(this.keys.projectorState));
    let reply = 0;
    return Promise.all(
      projectors.map(async (projector, p) => {
        const parts = await Promise.all(
          names[p]!.map((name) => this.withLagCounted(projector, hashes[reply++]!, name, now)),
        );
        return parts.length === 1 ? { ...parts[0]!, projector } : combine(projector, parts);
      }),
    );
  }

  /** A report's state; a silent one's lag counted from the log, when this store can. */
  private async withLagCounted(
    projector: string,
    hash: Record<string, string>,
    name: string,
    now: Date,
  ): Promise<ProjectorState> {
    const state = stateFromHash(name, hash, now);
    // Never reported: there is no head to count from (and such a projector shows stalled).
    if (!this.silentLag || !state.reportedAt) return state;
    if (!(state.status === "stopped" || isSilent(hash, now))) return state;
    const since = await this.silentLag.eventsSince(projector, state.head);
    return { ...state, lagEvents: state.lagEvents + since };
  }

  /**
   * Over how many partitions the projectors that report now run (1: whole projectors), each with
   * the names that say so. Names silent for longer than a report is trusted are left out (and
   * forgotten after a day), so projectors stopped for a change of partitions stop counting.
   */
  async partitionsReporting(now: Date): Promise<Map<number, string[]>> {
    const key = this.keys.projectorsReporting();
    const reporting = await this.redis.hgetall(key);
    const counts = new Map<number, string[]>();
    const forgotten: string[] = [];
    for (const [name, reportedAt] of Object.entries(reporting)) {
      const silentFor = now.getTime() - Date.parse(reportedAt);
      if (!(silentFor <= reportStaleAfterMs)) {
        if (!(silentFor <= forgetSilentAfterMs)) forgotten.push(name);
        continue;
      }
      const count = Number(/~\d+of(\d+)$/.exec(name)?.[1] ?? 1);
      counts.set(count, [...(counts.get(count) ?? []), name]);
    }
    if (forgotten.length > 0) await this.redis.hdel(key, ...forgotten);
    return counts;
  }
}

const forgetSilentAfterMs = 24 * 3_600_000;

/**
 * What is wrong when projectors report and none runs over the number of partitions this process
 * was told (PROJECTOR_PARTITIONS), or null. A gateway told the wrong number reads freshness from
 * partitions that do not exist and, on a Redis Cluster, the spread views from slots nothing
 * writes to: it must not take traffic. While a deployment changes its number, projectors of both
 * report and processes told either agree with some of them: none is refused for the change.
 */
export function partitionsDisagreement(
  configured: number,
  reporting: ReadonlyMap<number, string[]>,
): string | null {
  if (reporting.size === 0 || reporting.has(configured)) return null;
  const seen = [...reporting]
    .sort(([a], [b]) => a - b)
    .map(
      ([count, names]) => `${count === 1 ? "whole (not partitioned)" : `${count} partitions`} (${names[0]})`,
    )
    .join(" and ");
  return (
    `projectors report running as ${seen}, but this process was told PROJECTOR_PARTITIONS=${configured}: ` +
    "every process of a deployment must be given the same number"
  );
}

/** How long ago a report was made, and whether that is longer than it may be trusted. */
function silence(hash: Record<string, string>, now: Date): { silentFor: number; silent: boolean } {
  const reportedAt = hash.reportedAt ?? "";
  const silentFor = reportedAt ? now.getTime() - Date.parse(reportedAt) : Number.POSITIVE_INFINITY;
  return { silentFor, silent: silentFor > (Number(hash.trustForMs) || reportStaleAfterMs) };
}

function isSilent(hash: Record<string, string>, now: Date): boolean {
  return silence(hash, now).silent;
}

function stateFromHash(projector: string, hash: Record<string, string>, now: Date): ProjectorState {
  const reportedAt = hash.reportedAt ?? "";
  const { silentFor, silent } = silence(hash, now);
  const reported = (hash.status as FreshnessStatus | undefined) ?? "stalled";
  const status: FreshnessStatus = reported !== "stopped" && silent ? "stalled" : reported;
  const lagMs = Number(hash.lagMs ?? 0);
  return {
    projector,
    status,
    checkpoint: hash.checkpoint || null,
    head: hash.head || null,
    lagEvents: Number(hash.lagEvents ?? 0),
    // A silent runner's lag keeps growing from its last report.
    lagMs: status === "stalled" && Number.isFinite(silentFor) ? lagMs + silentFor : lagMs,
    eventsPerSecond: Number(hash.eventsPerSecond ?? 0),
    parked: Number(hash.parked ?? 0),
    consumer: hash.consumer ?? "",
    reportedAt,
    generation: Number(hash.generation ?? 0),
  };
}

/**
 * Where each projector's views are settled: its checkpoint, written atomically with the views
 * (null before its first event). A partitioned projector has reached a position when all its
 * partitions have, so its checkpoint is the lowest of theirs. Read-your-writes waits on these.
 */
export class ProjectorCheckpoints {
  constructor(
    private readonly redis: Redis,
    /** The keys of a view's live generation (a plain key set when views are never rebuilt). */
    private readonly keysOf: ReadModelKeys | ((view: string) => ReadModelKeys),
    private readonly partitions = 1,
  ) {}

  async read(projectors: readonly string[]): Promise<(string | null)[]> {
    const each = projectors.map((name) => {
      const keys = typeof this.keysOf === "function" ? this.keysOf(name) : this.keysOf;
      return partitionNames(name, this.partitions).map((partition) => keys.checkpoint(partition));
    });
    // A cluster refuses an MGET of keys in several slots: there, one GET each (sent together).
    const values = isCluster(this.redis)
      ? await Promise.all(each.flat().map((key) => this.redis.get(key)))
      : await this.redis.mget(each.flat());
    let next = 0;
    return each.map((group) => {
      const found = group.map(() => values[next++] ?? null);
      if (found.some((value) => value === null)) return null;
      return found.reduce((low, value) =>
        comparePositions(parsePosition(value!), parsePosition(low!)) < 0 ? value : low,
      );
    });
  }
}
