import type { CommandRuntime } from "../commands/runtime";
import type { AccountReader } from "../readmodels/accounts";
import type { ChangeFeed } from "../readmodels/change-feed";
import type { ReadModelKeys } from "../readmodels/keys";

/** What the gateway hands every resolver. Queries use the readers (Redis); mutations the runtime. */
export interface GatewayServices {
  readonly accounts: AccountReader;
  readonly commands: CommandRuntime;
  readonly changes: ChangeFeed;
  readonly keys: ReadModelKeys;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export interface GraphQLContext {
  readonly services: GatewayServices;
  readonly requestId: string;
  /** Authenticated user, when there is one (authentication arrives with the API-safety work). */
  readonly userId?: string;
}
