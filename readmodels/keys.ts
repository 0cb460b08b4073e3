/**
 * The one module that knows Redis key and channel names. Every name starts with a prefix so
 * one Redis can hold several deployments (and every test file its own namespace).
 */
export type ReadModelKeys = ReturnType<typeof readModelKeys>;

export function readModelKeys(prefix = "") {
  return {
    prefix,
    /** Id of the event store the read models under this prefix were built from. */
    storeIdentity: () => `${prefix}store-identity`,
    account: (accountId: string) => `${prefix}account:${accountId}`,
    ownerAccounts: (ownerId: string) => `${prefix}owner:${ownerId}:accounts`,
    /** Capped stream of the account view after each change (entry id = event position). */
    accountHistory: (accountId: string) => `${prefix}account:${accountId}:history`,
    /** Audit trail: every money movement of an account (entry id = event position). */
    accountTransactions: (accountId: string) => `${prefix}account:${accountId}:transactions`,
    /** Balance after each movement, scored by the instant it happened (time travel). */
    accountBalances: (accountId: string) => `${prefix}account:${accountId}:balances`,
    order: (orderId: string) => `${prefix}order:${orderId}`,
    orderHistory: (orderId: string) => `${prefix}order:${orderId}:history`,
    orderChanges: (orderId: string) => `${prefix}changes:order:${orderId}`,
    /** A customer's orders scored by when they were placed. */
    customerOrders: (customerId: string) => `${prefix}customer:${customerId}:orders`,
    /** Every change of any of a customer's orders (the order view after it), capped. */
    customerOrderHistory: (customerId: string) => `${prefix}customer:${customerId}:order-history`,
    customerOrderChanges: (customerId: string) => `${prefix}changes:customer:${customerId}:orders`,
    inventory: (productId: string) => `${prefix}inventory:${productId}`,
    inventoryHistory: (productId: string) => `${prefix}inventory:${productId}:history`,
    inventoryChanges: (productId: string) => `${prefix}changes:inventory:${productId}`,
    /** Every product scored by units available (on hand - reserved); low stock is a range of it. */
    inventoryAvailable: () => `${prefix}inventory-available`,
    /** All products by sku, for listing the catalog. */
    products: () => `${prefix}products`,
    revenueTotal: (currency: string) => `${prefix}revenue:${currency}:total`,
    revenueDay: (currency: string, day: string) => `${prefix}revenue:${currency}:day:${day}`,
    revenueDays: (currency: string) => `${prefix}revenue:${currency}:days`,
    revenueHistory: (currency: string) => `${prefix}revenue:${currency}:history`,
    revenueChanges: (currency: string) => `${prefix}changes:revenue:${currency}`,
    regionOrders: (region: string) => `${prefix}region:${region}:orders`,
    /** Regions scored by the number of orders placed there. */
    regions: () => `${prefix}regions`,
    /** Position of the last event a projector has settled: the authority for where it resumes. */
    checkpoint: (projector: string) => `${prefix}projector:${projector}:checkpoint`,
    /** Per-projector "last revision applied per stream", for views that count across streams. */
    ledger: (projector: string) => `${prefix}projector:${projector}:ledger`,
    /** Parked events an operator chose to skip: passed as no-ops (guard only) when replayed. */
    skippedEvents: (projector: string) => `${prefix}projector:${projector}:skip`,
    projectorState: (projector: string) => `${prefix}projector:${projector}:state`,
    /** Mutation calls a user made in one fixed rate-limit window (a counter that expires with it). */
    rateLimit: (userId: string, window: number) => `${prefix}ratelimit:${userId}:${window}`,
    /** Everything a projector writes lives under this pattern, so a rebuild can clear it. */
    accountChanges: (accountId: string) => `${prefix}changes:account:${accountId}`,
  };
}
