import type { CommandRuntime } from "../commands/runtime";
import type { EventLog, ParkedEvent, SnapshotStore } from "../eventstore/port";
import type { ChangeFeed } from "../readmodels/change-feed";
import type { ProjectorStateStore } from "../readmodels/projector-state";
import type { ViewReaders } from "../readmodels/registry";
import type { JobScheduleView, JobState, JobView } from "../jobs/admin";
import type { TaxCorrectionJobData } from "../jobs/tax-correction";

/** Operator actions on projectors' consumer groups (parked events). */
export interface ProjectorAdmin {
  listParked(projector: string, limit: number): Promise<ParkedEvent[]>;
  replayParked(projector: string, limit: number): Promise<number>;
  /** Marks a parked event to be passed over, and replays up to it; null when it is not parked. */
  skipParked(projector: string, eventId: string): Promise<number | null>;
}

/**
 * The one read of the event store a query may make (with the snapshot it may start from). Queries read the Redis views only, so a read
 * load never weighs on the store; the exception is the admin debug view, which replays an
 * aggregate from its stream to compare it with the views. Nothing else reaches the store from a
 * query.
 */
export type StreamReader = Pick<EventLog, "readStream"> & Pick<SnapshotStore, "readSnapshot">;

/**
 * Where each projector's views are settled: its checkpoint in Redis, written atomically with the
 * views (null before its first event). Read-your-writes waits on these.
 */
export interface ProjectorCheckpoints {
  read(projectors: readonly string[]): Promise<(string | null)[]>;
}

/** Operators' view of the background jobs (BullMQ): list, follow, retry. */
export interface JobsService {
  list(state: JobState | null, offset: number, limit: number): Promise<{ items: JobView[]; total: number }>;
  get(id: string): Promise<JobView | null>;
  retry(id: string): Promise<JobView | null>;
  schedules(): Promise<JobScheduleView[]>;
  watch(jobId: string | null, signal: AbortSignal): AsyncGenerator<JobView>;
}

/** Starting and cancelling view rebuilds (jobs/rebuild-requests.ts). */
export interface RebuildService {
  start(view: string): Promise<{ jobId: string; generation: number }>;
  cancel(view: string): Promise<string | null>;
}

/** Starting tax corrections as jobs (jobs/tax-correction.ts); the answer is the job's id. */
export interface CorrectionService {
  correctTax(data: TaxCorrectionJobData): Promise<string>;
}

/**
 * What the gateway hands every resolver. Queries use the views' readers (Redis), one per view
 * module of `readmodels/registry.ts`; mutations the command runtime.
 */
export interface GatewayServices {
  readonly views: ViewReaders;
  readonly projectorStates: ProjectorStateStore;
  readonly commands: CommandRuntime;
  readonly changes: ChangeFeed;
  readonly clock: () => Date;
  /** Names of the projectors whose state `projections` reports. */
  readonly projectorNames: readonly string[];
  readonly admin: ProjectorAdmin;
  readonly eventLog: StreamReader;
  readonly checkpoints: ProjectorCheckpoints;
  readonly jobs: JobsService;
  readonly rebuilds: RebuildService;
  readonly corrections: CorrectionService;
  readonly newId: () => string;
}

export type Role = "customer" | "staff" | "admin";
export const roles: readonly Role[] = ["customer", "staff", "admin"];

export interface GraphQLContext {
  readonly services: GatewayServices;
  readonly requestId: string;
  /** The verified token's `sub`; absent for an anonymous request (which may only introspect). */
  readonly userId?: string;
  /** The verified token's `role`. */
  readonly role?: Role;
  /** Set when the request carried credentials that were refused; the request is then refused. */
  readonly authProblem?: AuthProblem;
  /** Per-request memo, so a list of N views reads shared data (e.g. freshness) once. */
  readonly memo: Map<string, Promise<unknown>>;
}

/** Runs `load` once per request for a given key. */
export function memoized<T>(ctx: GraphQLContext, key: string, load: () => Promise<T>): Promise<T> {
  let value = ctx.memo.get(key) as Promise<T> | undefined;
  if (!value) {
    value = load();
    ctx.memo.set(key, value);
  }
  return value;
}

/** Why credentials were refused: `reason` is stable (clients may branch on it), `message` says what to do. */
export interface AuthProblem {
  readonly reason:
    "malformed" | "expired" | "invalid_signature" | "invalid_claims" | "unknown_key" | "unavailable";
  readonly message: string;
  /** The underlying failure when the check itself failed (identity provider unreachable). */
  readonly cause?: unknown;
}
