/** Clean rebuilds and read-model dumps, shared with the game day (gameday/lib/rebuild.ts). */
export { cleanRebuild, readModels, waitCaughtUp as caughtUp } from "../../gameday/lib/rebuild";

/**
 * The views of a read-model dump, for comparing what two projector partitions built with one
 * projector's build. Checkpoints, ledgers and state are per partition; the views themselves must
 * be the same. Left out: the resume histories of views that gather many streams (a customer's
 * orders, every order, a product's stock, revenue, top customers), which two partitions append to
 * in their own order (see README, partitions). On a cluster a view's keys start with its hash tag
 * ("{orders}:"), and a view spread over the partitions its partition's ("{transfers~1of2}:", named
 * here by the view's tag, as one projector writes it); the rest is the same.
 */
export function viewsOnly(models: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(mergedSpread(models)).filter(([tagged]) => !leftOut(tagged.replace(/^\{[^}]*\}:/, ""))),
  );
}

/** Keys not compared: bookkeeping, and the resume histories that gather many streams. */
function leftOut(key: string): boolean {
  return (
    key.startsWith("projector:") ||
    /^customer:.*:order-history$/.test(key) ||
    /^orders:history$/.test(key) ||
    /^inventory:.*:history$/.test(key) ||
    /^revenue:.*:history$/.test(key) ||
    /^top-customers:.*:history$/.test(key)
  );
}

/**
 * Indexes a spread view keeps once per partition (sorted sets, each partition's for its streams):
 * merged as the one sorted set a single projector writes.
 */
const gatheredPerPartition = [/^owner:.*:accounts$/, /^orders:recent$/];

/** A spread view's keys named by its view's tag, its per-partition indexes merged. */
function mergedSpread(models: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(models)) {
    const name = unspread(key);
    const earlier = merged[name];
    if (earlier === undefined) {
      merged[name] = value;
      continue;
    }
    const bare = name.replace(/^\{[^}]*\}:/, "");
    if (leftOut(bare)) continue; // per partition by design, and not compared
    if (!gatheredPerPartition.some((pattern) => pattern.test(bare))) {
      throw new Error(`two partitions both hold ${name}: a spread view placed a key by something else`);
    }
    const pairs: [string, string][] = [];
    for (const flat of [earlier, value] as string[][]) {
      for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    }
    pairs.sort(([a, x], [b, y]) => Number(x) - Number(y) || (a < b ? -1 : a > b ? 1 : 0));
    merged[name] = pairs.flat();
  }
  return merged;
}

/** A spread view's key named by its view's tag instead of its partition's. */
function unspread(key: string): string {
  return key.replace(/^\{([^}]*)~\d+of\d+\}:/, "{$1}:");
}
