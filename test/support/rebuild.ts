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
    Object.entries(models)
      .map(([key, value]) => [unspread(key), value] as const)
      .filter(([tagged]) => {
        const key = tagged.replace(/^\{[^}]*\}:/, "");
        return (
          !key.startsWith("projector:") &&
          !/^customer:.*:order-history$/.test(key) &&
          !/^orders:history$/.test(key) &&
          !/^inventory:.*:history$/.test(key) &&
          !/^revenue:.*:history$/.test(key) &&
          !/^top-customers:.*:history$/.test(key)
        );
      }),
  );
}

/** A spread view's key named by its view's tag instead of its partition's. */
function unspread(key: string): string {
  return key.replace(/^\{([^}]*)~\d+of\d+\}:/, "{$1}:");
}
