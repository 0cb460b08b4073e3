import { accountStreamId } from "../domain/banking/state";
import { orderStreamId } from "../domain/ordering/state";

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

/** The partition index a partition's name carries ("accounts~1of2" → 1), or null for a whole one. */
export function partitionIndexOf(projector: string): number | null {
  const match = /~(\d+)of\d+$/.exec(projector);
  return match ? Number(match[1]) : null;
}

/** Stable 32-bit FNV-1a hash: the same stream always lands in the same partition. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The projector partition (of `count`) that applies a stream's events. */
export function partitionOf(streamId: string, count: number): number {
  return hash(streamId) % count;
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
  /**
   * Cluster only: views spread over the masters, one hash tag per projector partition. Each such
   * view's keys belong to one entity's stream (or are a partition's checkpoint or ledger), so a
   * partition's apply call (guards, data, checkpoint) stays in its partition's slot, and a reader
   * finds an entity's keys by hashing its stream id as the projectors do.
   */
  readonly spread?: SpreadLayout;
}

export interface SpreadLayout {
  /** The views spread (each view module says whether it can be: `spreads`). */
  readonly views: readonly string[];
  /** The projector partitions (PROJECTOR_PARTITIONS), at least 2. */
  readonly partitions: number;
}

/**
 * Which part of a view a key belongs to: an entity's stream, or a partition (its checkpoint), or
 * the view as a whole. Only a spread view's keys tell them apart.
 */
export interface Placement {
  readonly stream?: string;
  readonly partition?: number;
}

/** A view's data prefix: fixed, or resolved at each call from where the key belongs. */
export type DataPrefix = string | ((placement?: Placement) => string);

/** The hash tag of a view's keys in the cluster layout (or of one partition's, for a spread view). */
export function viewTag(
  view: string,
  partition?: { readonly index: number; readonly count: number },
): string {
  return `{${part(partition ? partitionName(view, partition.index, partition.count) : view)}}`;
}

/**
 * Key and channel names under `prefix`. A view's data (its hashes, sets, histories, checkpoint and
 * ledger) lives under the prefix of the view's generation (`dataPrefix`, fixed or resolved at each
 * call, see `generationKeys`); channels, skip marks, state reports and jobs stay under `prefix`, so
 * they outlive a rebuild.
 */
export function readModelKeys(
  prefix = "",
  dataPrefix: DataPrefix = prefix,
  layout: KeyLayout = {},
  /** For the keys of one spread view: over how many partitions its data is spread. */
  spreadOver: number | null = null,
) {
  const data = typeof dataPrefix === "function" ? dataPrefix : () => dataPrefix;
  const cluster = layout.cluster === true;
  if (cluster && /[{}]/.test(prefix)) {
    // A brace in the prefix would become the hash tag of every key, all in one slot.
    throw new Error(`A key prefix for a Redis Cluster may not contain "{" or "}"; got "${prefix}"`);
  }
  const spread = cluster ? checkedSpread(layout.spread) : undefined;
  const queues = cluster ? `${prefix}{bull}` : `${prefix}bull`;
  const ofAccount = (accountId: string): Placement => ({ stream: accountStreamId(accountId) });
  const ofOrder = (orderId: string): Placement => ({ stream: orderStreamId(orderId) });
  /** The partition a spread view's generation prefix is for (null: the view as a whole). */
  /** Over how many partitions a view's data is spread (null: one prefix). */
  const spreadOf = (view: string): number | null => (spread?.views.includes(view) ? spread.partitions : null);
  const partitionAt = (view: string, placement: Placement | undefined): number | null => {
    const count = spreadOf(view);
    if (count === null || !placement) return null;
    if (placement.partition !== undefined) return placement.partition;
    return placement.stream === undefined ? null : partitionOf(placement.stream, count);
  };
  /** The tag of a view's keys, or of one partition's (cluster layout). */
  const tagOf = (view: string, partition: number | null) =>
    viewTag(view, partition === null ? undefined : { index: partition, count: spread!.partitions });
  const generationPrefix = (view: string, generation: number, partition: number | null = null): string => {
    if (!cluster) return generation === 0 ? prefix : `${prefix}gen:${part(view)}:${generation}:`;
    const tag = tagOf(view, partition);
    return `${prefix}${generation === 0 ? "" : "gen:"}${tag}:${generation === 0 ? "" : `${generation}:`}`;
  };
  /** The partitions a view's data is under: one null (the view's prefix), or each partition. */
  const partsOf = (view: string): (number | null)[] => {
    const count = spreadOf(view);
    return count === null ? [null] : Array.from({ length: count }, (_, p) => p);
  };
  return {
    prefix,
    layout: { cluster, ...(spread && { spread }) } as KeyLayout,
    /** Where the view data these keys name lives now (the prefix of a generation). */
    viewPrefix: data,
    /**
     * The key a reader of a gathering index must read in every partition it is kept in: one per
     * partition for a spread view (each partition keeps its part, merged on read), else one.
     */
    inEveryPartition: <T>(key: (placement?: Placement) => T): T[] =>
      spreadOver === null
        ? [key()]
        : Array.from({ length: spreadOver }, (_, partition) => key({ partition })),
    /** Id of the event store the read models under this prefix were built from. */
    storeIdentity: () => `${prefix}store-identity`,
    account: (accountId: string) => `${data(ofAccount(accountId))}account:${part(accountId)}`,
    /** An owner's accounts; a spread view keeps them per partition, placed by the account's stream. */
    ownerAccounts: (ownerId: string, placement?: Placement) =>
      `${data(placement)}owner:${part(ownerId)}:accounts`,
    /** Capped stream of the account view after each change (entry id = event position). */
    accountHistory: (accountId: string) => `${data(ofAccount(accountId))}account:${part(accountId)}:history`,
    /** Audit trail: every money movement of an account (entry id = event position). */
    accountTransactions: (accountId: string) =>
      `${data(ofAccount(accountId))}account:${part(accountId)}:transactions`,
    /** Balance after each movement, scored by the instant it happened (time travel). */
    accountBalances: (accountId: string) =>
      `${data(ofAccount(accountId))}account:${part(accountId)}:balances`,
    order: (orderId: string) => `${data(ofOrder(orderId))}order:${part(orderId)}`,
    orderHistory: (orderId: string) => `${data(ofOrder(orderId))}order:${part(orderId)}:history`,
    orderChanges: (orderId: string) => `${prefix}changes:order:${part(orderId)}`,
    /** Every order scored by the instant of its last change (the newest first for a board). */
    ordersRecent: (placement?: Placement) => `${data(placement)}orders:recent`,
    /** Every change of any order (the order view after it), capped. */
    ordersHistory: (placement?: Placement) => `${data(placement)}orders:history`,
    ordersChanges: () => `${prefix}changes:orders`,
    /** A customer's orders scored by when they were placed; per partition on a spread layout. */
    customerOrders: (customerId: string, placement?: Placement) =>
      `${data(placement)}customer:${part(customerId)}:orders`,
    /** Every change of any of a customer's orders (the order view after it), capped. */
    customerOrderHistory: (customerId: string, placement?: Placement) =>
      `${data(placement)}customer:${part(customerId)}:order-history`,
    customerOrderChanges: (customerId: string) => `${prefix}changes:customer:${part(customerId)}:orders`,
    inventory: (productId: string) => `${data()}inventory:${part(productId)}`,
    inventoryHistory: (productId: string) => `${data()}inventory:${part(productId)}:history`,
    inventoryChanges: (productId: string) => `${prefix}changes:inventory:${part(productId)}`,
    /** Every product scored by units available (on hand - reserved); low stock is a range of it. */
    inventoryAvailable: () => `${data()}inventory-available`,
    /** All products by sku, for listing the catalog. */
    products: () => `${data()}products`,
    /**
     * A currency's revenue in total, per day, its days and the history of its total. A spread view
     * keeps each per partition (the figures of its streams' events), summed on read.
     */
    revenueTotal: (currency: string, placement?: Placement) =>
      `${data(placement)}revenue:${part(currency)}:total`,
    revenueDay: (currency: string, day: string, placement?: Placement) =>
      `${data(placement)}revenue:${part(currency)}:day:${part(day)}`,
    revenueDays: (currency: string, placement?: Placement) =>
      `${data(placement)}revenue:${part(currency)}:days`,
    revenueHistory: (currency: string, placement?: Placement) =>
      `${data(placement)}revenue:${part(currency)}:history`,
    revenueChanges: (currency: string) => `${prefix}changes:revenue:${part(currency)}`,
    regionOrders: (region: string, placement?: Placement) =>
      `${data(placement)}region:${part(region)}:orders`,
    /** Regions scored by the number of orders placed there (per partition on a spread layout, summed). */
    regions: (placement?: Placement) => `${data(placement)}regions`,
    /** Position of the last event a projector has settled: the authority for where it resumes. */
    checkpoint: (projector: string) =>
      `${data({ partition: partitionIndexOf(projector) ?? undefined })}projector:${part(projector)}:checkpoint`,
    /**
     * A rebuild's checkpoint of one partition of a spread view (a whole view's rebuild has one,
     * `checkpoint(view)`): beside the partition's data, apart from its projector's checkpoint.
     */
    rebuildCheckpoint: (view: string, partition: number) =>
      `${data({ partition })}projector:${part(view)}:rebuild:${partition}:checkpoint`,
    /** SCAN patterns: every projector's checkpoint; everything under the prefix. */
    anyCheckpointPattern: () => `${prefix}projector:*:checkpoint`,
    everythingPattern: () => `${prefix}*`,
    /**
     * Per-projector "last revision applied per stream", for views that count across streams. A
     * spread view keeps one per partition, beside the streams it guards.
     */
    ledger: (projector: string, streamId?: string) =>
      `${data(streamId === undefined ? undefined : { stream: streamId })}projector:${part(projector)}:ledger`,
    /** Parked events an operator chose to skip: passed as no-ops (guard only) when replayed. */
    skippedEvents: (projector: string) => `${prefix}projector:${part(projector)}:skip`,
    projectorState: (projector: string) => `${prefix}projector:${part(projector)}:state`,
    /** Every name a projector reported under, with when it last did (one small hash, never scanned for). */
    projectorsReporting: () => `${prefix}projectors:state`,
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
     * A spread view's generation record as partition `partition` sees it: the copy of `live` and
     * `building` its writes are fenced on, in its slot (the view's record is in another).
     */
    partitionGeneration: (view: string, partition: number) =>
      `${prefix}view:${viewTag(view, { index: partition, count: spread?.partitions ?? 1 })}:generation`,
    /** Whether a view's data is spread over one hash tag per partition, and over how many. */
    spreadOf,
    /**
     * Where the data of generation `generation` of a view lives. In the single layout, generation 0
     * (before any rebuild) is `prefix` itself, shared by every view; in the cluster layout each view
     * has a prefix of its own from the start (its hash tag), and a spread view one per partition.
     */
    generationPrefix,
    /** Every prefix a view's generation has data under: one, or one per partition of a spread view. */
    generationPrefixes: (view: string, generation: number): string[] =>
      partsOf(view).map((partition) => generationPrefix(view, generation, partition)),
    /**
     * The prefixes every rebuilt generation (1, 2, …) of a view lives under, whichever its number:
     * what a SCAN for generations left behind looks under.
     */
    rebuiltGenerationPrefixes: (view: string): string[] =>
      partsOf(view).map((partition) =>
        cluster ? `${prefix}gen:${tagOf(view, partition)}:` : `${prefix}gen:${part(view)}:`,
      ),
    /** The prefix of the key a spread view's generation puts at `placement` (else the view's). */
    placedPrefix: (view: string, generation: number, placement?: Placement) =>
      generationPrefix(view, generation, partitionAt(view, placement)),
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
  if (base.spreadOf(view) === null) {
    return readModelKeys(base.prefix, base.generationPrefix(view, generation), base.layout);
  }
  return readModelKeys(
    base.prefix,
    (placement) => base.placedPrefix(view, generation, placement),
    base.layout,
    base.spreadOf(view),
  );
}

function checkedSpread(spread: SpreadLayout | undefined): SpreadLayout | undefined {
  if (!spread || spread.views.length === 0) return undefined;
  if (!Number.isInteger(spread.partitions) || spread.partitions < 2) {
    throw new Error(`A spread layout needs at least 2 projector partitions; got ${spread.partitions}`);
  }
  return spread;
}
