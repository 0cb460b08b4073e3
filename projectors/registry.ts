import type { ReadModelKeys } from "../readmodels/keys";
import { accountTransactionsProjector } from "./account-transactions";
import { accountsProjector } from "./accounts";
import { balanceHistoryProjector } from "./balance-history";
import { customerOrdersProjector } from "./customer-orders";
import { inventoryProjector } from "./inventory";
import { ordersProjector } from "./orders";
import { ordersByRegionProjector } from "./orders-by-region";
import type { Projector } from "./projector";
import { revenueProjector } from "./revenue";

/** Every read model's projector; each runs on its own consumer group with its own checkpoint. */
export function allProjectors(keys: ReadModelKeys): Projector[] {
  return [
    accountsProjector(keys),
    accountTransactionsProjector(keys),
    balanceHistoryProjector(keys),
    ordersProjector(keys),
    customerOrdersProjector(keys),
    inventoryProjector(keys),
    revenueProjector(keys),
    ordersByRegionProjector(keys),
  ];
}
