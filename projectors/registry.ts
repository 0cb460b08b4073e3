import type { ReadModelKeys } from "../readmodels/keys";
import { accountTransactionsProjector } from "./account-transactions";
import { accountsProjector } from "./accounts";
import { balanceHistoryProjector } from "./balance-history";
import type { Projector } from "./projector";

/** Every read model's projector; each runs on its own consumer group with its own checkpoint. */
export function allProjectors(keys: ReadModelKeys): Projector[] {
  return [accountsProjector(keys), accountTransactionsProjector(keys), balanceHistoryProjector(keys)];
}
