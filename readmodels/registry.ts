import type { Redis } from "ioredis";
import { accountTransactionsView } from "./account-transactions";
import { accountsView } from "./accounts";
import { balanceHistoryView } from "./balance-history";
import { customerOrdersView } from "./customer-orders";
import { inventoryView } from "./inventory";
import { viewKeys, type KeyLayout, type ReadModelKeys } from "./keys";
import { ordersView } from "./orders";
import { ordersByRegionView } from "./orders-by-region";
import { revenueView } from "./revenue";
import { topCustomersView } from "./top-customers";
import { transfersView } from "./transfers";
import type { Projector } from "./view";

/**
 * Every read model, one line each. A view listed here gets a projector on its own consumer group
 * (built from the start of the log the first time it runs), a reader the gateway hands to
 * resolvers (`ctx.services.views.<key>`), and a place in freshness and read-your-writes.
 */
export const views = {
  accounts: accountsView,
  accountTransactions: accountTransactionsView,
  balanceHistory: balanceHistoryView,
  orders: ordersView,
  customerOrders: customerOrdersView,
  inventory: inventoryView,
  revenue: revenueView,
  ordersByRegion: ordersByRegionView,
  topCustomers: topCustomersView,
  transfers: transfersView,
} as const;

type Views = typeof views;
export type ViewKey = keyof Views;

/** Each view's reader, by the view's key in the registry. */
export type ViewReaders = { readonly [K in ViewKey]: ReturnType<Views[K]["reader"]> };

/**
 * Each view's reader. With `keysOf`, each reads the keys it is given for its view (the live
 * generation's, resolved at every read, so a rebuild's switch moves every reader and live source
 * at once); without, all read `keys` as they are.
 */
export function viewReaders(
  redis: Redis,
  keys: ReadModelKeys,
  keysOf: (view: string) => ReadModelKeys = (view) => viewKeys(keys, view),
): ViewReaders {
  const readers = Object.fromEntries(
    Object.entries(views).map(([key, view]) => [key, view.reader(redis, keysOf(view.name))]),
  ) as unknown as ViewReaders;
  return readers;
}

/**
 * Every view's projector; each runs on its own consumer group with its own checkpoint, and writes
 * where `viewKeys` puts its view.
 */
export function allProjectors(keys: ReadModelKeys): Projector[] {
  return Object.values(views).map((view) => view.projector(viewKeys(keys, view.name)));
}

/** The views that can be spread over one hash tag per projector partition on a Redis Cluster. */
export const spreadableViewNames: readonly string[] = Object.values(views)
  .filter((view: { spreads?: boolean }) => view.spreads === true)
  .map((view) => view.name);

/**
 * How keys are laid out for a deployment: on a Redis Cluster run with projector partitions, the
 * views that can be spread get one hash tag per partition (the others one per view); one Redis, or
 * a cluster with whole projectors, as ever. Every process of a deployment must agree (the same
 * REDIS_CLUSTER_NODES and PROJECTOR_PARTITIONS).
 */
export function readModelLayout(cluster: boolean, partitions: number): KeyLayout {
  if (!cluster) return {};
  return partitions >= 2 ? { cluster, spread: { views: spreadableViewNames, partitions } } : { cluster };
}

/** The projectors' names, in registry order. */
export const viewNames: readonly string[] = Object.values(views).map((view) => view.name);
