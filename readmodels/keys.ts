/**
 * The one module that knows Redis key and channel names. Every name starts with a prefix so
 * one Redis can hold several deployments (and every test file its own namespace).
 *
 * Names are parts joined with ":". Every part that comes from data (an id, a region, a user, a
 * projector) goes through `part()`, which escapes ":" and the other characters that could make
 * one name spell another ("%", "{", "}", whitespace, control bytes) as %XX. The encoding is
 * injective and leaves ids that follow the id rule unchanged, so no value, however it reached the
 * read side (an event written before the rule, a user id from a token, a region from an address),
 * can name another entity's key or a suffix of one ("acc-1:history").
 */
export function part(value: string): string {
  // eslint-disable-next-line no-control-regex -- control bytes are among what must be escaped
  return value.replace(/[%:{}\s\u0000-\u001f\u007f]/g, encodeURIComponent);
}

/** The name of partition `index` of `count` of a projector (its own group, checkpoint, ledger). */
export function partitionName(projector: string, index: number, count: number): string {
  return `${projector}~${index}of${count}`;
}

/** The names a projector runs under: itself, or each of its partitions. */
export function partitionNames(projector: string, partitions: number): string[] {
  if (partitions <= 1) return [projector];
  return Array.from({ length: partitions }, (_, i) => partitionName(projector, i, partitions));
}

export type ReadModelKeys = ReturnType<typeof readModelKeys>;

/**
 * How keys are laid out. `single` (one Redis) is the layout every deployment had before clusters.
 * `cluster` puts every key a view's writes touch in one hash slot: each generation's data of a view,
 * its checkpoints (every partition's) and its generation record carry the hash tag `{<view>}`, so
 * one apply call (guards, views, indexes, histories, checkpoint) and one rebuild switch each stay on
 * one node, while different views spread over the cluster's masters. The queues share the tag
 * `{bull}`, as BullMQ asks, since its scripts touch many keys of a queue at once.
 */
export interface KeyLayout {
  readonly cluster?: boolean;
}

/** The hash tag of a view's keys in the cluster layout. */
export function viewTag(view: string): string {
  return `{${part(view)}}`;
}

/**
 * Key and channel names under `prefix`. A view's data (its hashes, sets, histories, checkpoint and
 * ledger) lives under the prefix of the view's generation (`dataPrefix`, fixed or resolved at each
 * call, see `generationKeys`); channels, skip marks, state reports and jobs stay under `prefix`, so
 * they outlive a rebuild.
 */
export function readModelKeys(
  prefix = "",
  dataPrefix: string | (() => string) = prefix,
  layout: KeyLayout = {},
) {
  const data = typeof dataPrefix === "function" ? dataPrefix : () => dataPrefix;
  const cluster = layout.cluster === true;
  if (cluster && /[{}]/.test(prefix)) {
    // A brace in the prefix would become the hash tag of every key, all in one slot.
    throw new Error(`A key prefix for a Redis Cluster may not contain "{" or "}"; got "${prefix}"`);
  }
  const queues = cluster ? `${prefix}{bull}` : `${prefix}bull`;
  return {
    prefix,
    layout: { cluster } as KeyLayout,
    /** Where the view data these keys name lives now (the prefix of a generation). */
    viewPrefix: data,
    /** Id of the event store the read models under this prefix were built from. */
    storeIdentity: () => `${prefix}store-identity`,
    account: (accountId: string) => `${data()}account:${part(accountId)}`,
    ownerAccounts: (ownerId: string) => `${data()}owner:${part(ownerId)}:accounts`,
    /** Capped stream of the account view after each change (entry id = event position). */
    accountHistory: (accountId: string) => `${data()}account:${part(accountId)}:history`,
    /** Audit trail: every money movement of an account (entry id = event position). */
    accountTransactions: (accountId: string) => `${data()}account:${part(accountId)}:transactions`,
    /** Balance after each movement, scored by the instant it happened (time travel). */
    accountBalances: (accountId: string) => `${data()}account:${part(accountId)}:balances`,
    order: (orderId: string) => `${data()}order:${part(orderId)}`,
    orderHistory: (orderId: string) => `${data()}order:${part(orderId)}:history`,
    orderChanges: (orderId: string) => `${prefix}changes:order:${part(orderId)}`,
    /** Every order scored by the instant of its last change (the newest first for a board). */
    ordersRecent: () => `${data()}orders:recent`,
    /** Every change of any order (the order view after it), capped. */
    ordersHistory: () => `${data()}orders:history`,
    ordersChanges: () => `${prefix}changes:orders`,
    /** A customer's orders scored by when they were placed. */
    customerOrders: (customerId: string) => `${data()}customer:${part(customerId)}:orders`,
    /** Every change of any of a customer's orders (the order view after it), capped. */
    customerOrderHistory: (customerId: string) => `${data()}customer:${part(customerId)}:order-history`,
    customerOrderChanges: (customerId: string) => `${prefix}changes:customer:${part(customerId)}:orders`,
    inventory: (productId: string) => `${data()}inventory:${part(productId)}`,
    inventoryHistory: (productId: string) => `${data()}inventory:${part(productId)}:history`,
    inventoryChanges: (productId: string) => `${prefix}changes:inventory:${part(productId)}`,
    /** Every product scored by units available (on hand - reserved); low stock is a range of it. */
    inventoryAvailable: () => `${data()}inventory-available`,
    /** All products by sku, for listing the catalog. */
    products: () => `${data()}products`,
    revenueTotal: (currency: string) => `${data()}revenue:${part(currency)}:total`,
    revenueDay: (currency: string, day: string) => `${data()}revenue:${part(currency)}:day:${part(day)}`,
    revenueDays: (currency: string) => `${data()}revenue:${part(currency)}:days`,
    revenueHistory: (currency: string) => `${data()}revenue:${part(currency)}:history`,
    revenueChanges: (currency: string) => `${prefix}changes:revenue:${part(currency)}`,
    regionOrders: (region: string) => `${data()}region:${part(region)}:orders`,
    /** Regions scored by the number of orders placed there. */
    regions: () => `${data()}regions`,
    /** Position of the last event a projector has settled: the authority for where it resumes. */
    checkpoint: (projector: string) => `${data()}projector:${part(projector)}:checkpoint`,
    /** SCAN patterns: every projector's checkpoint; everything under the prefix. */
    anyCheckpointPattern: () => `${prefix}projector:*:checkpoint`,
    everythingPattern: () => `${prefix}*`,
    /** Per-projector "last revision applied per stream", for views that count across streams. */
    ledger: (projector: string) => `${data()}projector:${part(projector)}:ledger`,
    /** Parked events an operator chose to skip: passed as no-ops (guard only) when replayed. */
    skippedEvents: (projector: string) => `${prefix}projector:${part(projector)}:skip`,
    projectorState: (projector: string) => `${prefix}projector:${part(projector)}:state`,
    /** BullMQ's key prefix for the queues (not read models: a rebuild or Redis reset keeps them apart). */
    queuePrefix: () => queues,
    /** Whether a key holds jobs rather than read models (queues, job state). */
    isJobKey: (key: string) => key.startsWith(`${queues}:`) || key.startsWith(`${prefix}jobs:`),
    /** What a kind of job remembers between its runs (the snapshot sweep: where the log was read to). */
    jobState: (kind: string) => `${prefix}jobs:${part(kind)}:state`,
    /** Mutation calls a user made in one fixed rate-limit window (a counter that expires with it). */
    rateLimit: (userId: string, window: number) => `${prefix}ratelimit:${part(userId)}:${window}`,
    /** Which generation of a view readers use (field "live") and which one a rebuild is building. */
    viewGeneration: (view: string) =>
      cluster ? `${prefix}view:${viewTag(view)}:generation` : `${prefix}view:${part(view)}:generation`,
    /**
     * Where the data of generation `generation` of a view lives. In the single layout, generation 0
     * (before any rebuild) is `prefix` itself, shared by every view; in the cluster layout each view
     * has a prefix of its own from the start (its hash tag).
     */
    generationPrefix: (view: string, generation: number) =>
      cluster
        ? `${prefix}${generation === 0 ? "" : "gen:"}${viewTag(view)}:${generation === 0 ? "" : `${generation}:`}`
        : generation === 0
          ? prefix
          : `${prefix}gen:${part(view)}:${generation}:`,
    /** Whether generation 0 of every view shares `prefix` (the single layout). */
    sharedGenerationZero: !cluster,
    /** Announces that a view's live generation moved (message: the view's name). */
    generationSwitches: () => `${prefix}changes:view-generations`,
    accountChanges: (accountId: string) => `${prefix}changes:account:${part(accountId)}`,
  };
}

/**
 * The keys a view's projector or reader uses when nothing says which generation: `keys` as they
 * are in the single layout (generation 0 shares the prefix) or when they already name a
 * generation's data; in the cluster layout, generation 0 of the view (its own hash-tagged prefix).
 */
export function viewKeys(keys: ReadModelKeys, view: string): ReadModelKeys {
  if (!keys.layout.cluster || keys.viewPrefix() !== keys.prefix) return keys;
  return generationKeys(keys, view, 0);
}

/**
 * The keys of one view at one generation: its data under that generation's prefix, the rest as
 * `base`. A projector or a rebuild writes through these.
 */
export function generationKeys(base: ReadModelKeys, view: string, generation: number): ReadModelKeys {
  return readModelKeys(base.prefix, base.generationPrefix(view, generation), base.layout);
}
