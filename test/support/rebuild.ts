/** Clean rebuilds and read-model dumps, shared with the game day (gameday/lib/rebuild.ts). */
import { comparePositions, parsePosition } from "../../eventstore/position";
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
 * What a spread view keeps once per partition (each partition's for its own streams), and how the
 * parts make the one key a single projector writes: sorted sets of entities joined, counts summed,
 * hashes of figures summed (their position and instant the latest).
 */
const joinedPerPartition = [
  /^owner:.*:accounts$/,
  /^orders:recent$/,
  /^customer:.*:orders$/,
  /^region:.*:orders$/,
];
/** Sets whose members more than one partition may hold, with the same score (a day with revenue). */
const unitedPerPartition = [/^revenue:.*:days$/];
const countedPerPartition = [/^regions$/];
const summedPerPartition = [/^revenue:.*:total$/, /^revenue:.*:day:.*$/];

/** A spread view's keys named by its view's tag, its per-partition parts merged. */
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
    if (joinedPerPartition.some((pattern) => pattern.test(bare))) {
      // An entity is placed by its own stream: in one partition's set only.
      merged[name] = joinedSets(earlier as string[], value as string[], (_x, _y, member) => {
        throw new Error(`${member} is in two partitions' ${name}: a spread view placed it by something else`);
      });
    } else if (unitedPerPartition.some((pattern) => pattern.test(bare))) {
      merged[name] = joinedSets(earlier as string[], value as string[], (x, y, member) => {
        if (x !== y) throw new Error(`${member} has scores ${x} and ${y} in two partitions' ${name}`);
        return x;
      });
    } else if (countedPerPartition.some((pattern) => pattern.test(bare))) {
      merged[name] = joinedSets(earlier as string[], value as string[], (x, y) =>
        String(Number(x) + Number(y)),
      );
    } else if (summedPerPartition.some((pattern) => pattern.test(bare))) {
      merged[name] = summedFigures(earlier as Record<string, string>, value as Record<string, string>);
    } else {
      throw new Error(`two partitions both hold ${name}: a spread view placed a key by something else`);
    }
  }
  return merged;
}

/** Two sorted sets (flat member, score lists) as one, ordered as Redis orders it. */
function joinedSets(
  a: string[],
  b: string[],
  both: (x: string, y: string, member: string) => string,
): string[] {
  const scores = new Map<string, string>();
  for (const flat of [a, b]) {
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const earlier = scores.get(flat[i]!);
      scores.set(flat[i]!, earlier === undefined ? flat[i + 1]! : both(earlier, flat[i + 1]!, flat[i]!));
    }
  }
  return [...scores].sort(([a, x], [b, y]) => Number(x) - Number(y) || (a < b ? -1 : a > b ? 1 : 0)).flat();
}

/** Two partitions' figures as one: counts and amounts summed, the later position and instant. */
function summedFigures(a: Record<string, string>, b: Record<string, string>): Record<string, string> {
  const sum: Record<string, string> = { ...a };
  for (const [field, value] of Object.entries(b)) {
    const earlier = sum[field];
    if (earlier === undefined || earlier === "") sum[field] = value;
    else if (field === "position")
      sum[field] = comparePositions(parsePosition(earlier), parsePosition(value)) >= 0 ? earlier : value;
    else if (/^-?\d+$/.test(earlier) && /^-?\d+$/.test(value))
      sum[field] = String(Number(earlier) + Number(value));
    else sum[field] = earlier > value ? earlier : value;
  }
  return sum;
}

/** A spread view's key named by its view's tag instead of its partition's. */
function unspread(key: string): string {
  return key.replace(/^\{([^}]*)~\d+of\d+\}:/, "{$1}:");
}
