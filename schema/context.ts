import type { CommandRuntime } from "../commands/runtime";
import type { ParkedEvent } from "../eventstore/port";
import type { AccountHistoryReader, AccountReader } from "../readmodels/accounts";
import type { InventoryReader } from "../readmodels/inventory";
import type { OrderReader } from "../readmodels/orders";
import type { ProjectorStateStore } from "../readmodels/projector-state";
import type { RevenueReader } from "../readmodels/revenue";
import type { ChangeFeed } from "../readmodels/change-feed";
import type { ReadModelKeys } from "../readmodels/keys";

/** Operator actions on projectors' consumer groups (parked events). */
export interface ProjectorAdmin {
  listParked(projector: string, limit: number): Promise<ParkedEvent[]>;
  replayParked(projector: string, limit: number): Promise<number>;
}

/** What the gateway hands every resolver. Queries use the readers (Redis); mutations the runtime. */
export interface GatewayServices {
  readonly accounts: AccountReader;
  readonly accountHistory: AccountHistoryReader;
  readonly projectorStates: ProjectorStateStore;
  readonly orders: OrderReader;
  readonly inventory: InventoryReader;
  readonly revenue: RevenueReader;
  readonly commands: CommandRuntime;
  readonly changes: ChangeFeed;
  readonly keys: ReadModelKeys;
  readonly clock: () => Date;
  /** Names of the projectors whose state `projections` reports. */
  readonly projectorNames: readonly string[];
  readonly admin: ProjectorAdmin;
  readonly newId: () => string;
}

export interface GraphQLContext {
  readonly services: GatewayServices;
  readonly requestId: string;
  /** Authenticated user, when there is one (authentication arrives with the API-safety work). */
  readonly userId?: string;
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
