import { isDeepStrictEqual } from "node:util";
import { ViewGenerations } from "../readmodels/generations";
import { readModelKeys } from "../readmodels/keys";
import { viewNames } from "../readmodels/registry";
import type { Clients, Ledger, Subscriber } from "./load";
import { cleanRebuild, readModels } from "./lib/rebuild";
import type { Topology } from "./topology";

/** One difference the audit found, named so that a person can look at it. */
export interface Difference {
  readonly kind: "view" | "balance" | "subscriber" | "transfer";
  readonly what: string;
  readonly detail: string;
}

export interface AuditResult {
  readonly viewKeysCompared: number;
  readonly accountsCompared: number;
  readonly subscribers: number;
  readonly pushesReceived: number;
  readonly lost: number;
  readonly doubled: number;
  readonly outOfOrder: number;
  readonly transfers: Record<string, number>;
  readonly differences: readonly Difference[];
}

/**
 * Keys that are not views, or that two partitions write in an order of their own: checkpoints and
 * ledgers are per partition; the resume histories of views that gather many streams (a customer's
 * orders, all orders, a product's stock, revenue, top customers) interleave the partitions' writes.
 * Their views themselves are compared.
 */
function comparable(key: string): boolean {
  return (
    !key.startsWith("projector:") &&
    !key.startsWith("gen:") &&
    !key.startsWith("view-generations") &&
    !/^customer:.*:order-history$/.test(key) &&
    !/^orders:history$/.test(key) &&
    !/^inventory:.*:history$/.test(key) &&
    !/^revenue:.*:history$/.test(key) &&
    !/^top-customers:.*:history$/.test(key)
  );
}

/** The views as readers see them: each view's live generation, the prefix taken off. */
export async function liveViews(topology: Topology): Promise<Record<string, unknown>> {
  const keys = readModelKeys(topology.prefix);
  const generations = new ViewGenerations(topology.client, keys);
  const merged = Object.fromEntries(
    Object.entries(await readModels(topology.client, topology.prefix)).filter(([key]) => comparable(key)),
  );
  for (const view of viewNames) {
    const live = await generations.live(view);
    if (live === 0) continue;
    const built = await readModels(topology.client, keys.generationPrefix(view, live));
    for (const [key, value] of Object.entries(built)) if (comparable(key)) merged[key] = value;
  }
  return merged;
}

/**
 * The final audit: every view against a clean rebuild from the log, key by key; every account's
 * balance against the sum of its acknowledged movements; every subscriber's pushes against the
 * account's history (nothing lost, nothing twice, nothing out of order).
 */
export async function audit(
  topology: Topology,
  clients: Clients,
  ledger: Ledger,
  accounts: readonly string[],
  subscribers: readonly Subscriber[],
): Promise<AuditResult> {
  const differences: Difference[] = [];

  // Transfers first: their outcome decides what moved.
  const transfers: Record<string, number> = {};
  const settled = new Map<string, string>();
  const deadline = Date.now() + 120_000;
  const settle = async (transferId: string): Promise<string> => {
    for (;;) {
      const read = await clients.query<{ transfer: { status: string } | null }>(
        `query($id: ID!) { transfer(id: $id) { status } }`,
        { id: transferId },
      );
      const status = read.transfer?.status ?? "MISSING";
      if ((status !== "PENDING" && status !== "MISSING") || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  // A few at a time: thousands of transfers read one by one would make the audit wait for nothing.
  const transferIds = [...ledger.transfers.keys()];
  for (let i = 0; i < transferIds.length; i += 20) {
    const chunk = transferIds.slice(i, i + 20);
    const statuses = await Promise.all(chunk.map(settle));
    chunk.forEach((transferId, j) => {
      const status = statuses[j]!;
      settled.set(transferId, status);
      transfers[status] = (transfers[status] ?? 0) + 1;
    });
  }
  const expected = new Map(accounts.map((id) => [id, ledger.balances.get(id) ?? 0n]));
  for (const [transferId, transfer] of ledger.transfers) {
    const status = settled.get(transferId);
    if (status === "COMPLETED") {
      expected.set(transfer.from, expected.get(transfer.from)! - transfer.cents);
      expected.set(transfer.to, expected.get(transfer.to)! + transfer.cents);
    } else if (status !== "FAILED" && status !== "COMPENSATED") {
      differences.push({ kind: "transfer", what: transferId, detail: `never settled (${status})` });
    }
  }

  // Views: the live ones against a clean build of the whole log (retried while they catch up).
  let live: Record<string, unknown> = {};
  let clean: Record<string, unknown> = {};
  for (let attempt = 0; attempt < 10; attempt++) {
    clean = Object.fromEntries(
      Object.entries(await cleanRebuild(topology.store, topology.redis.url)).filter(([key]) =>
        comparable(key),
      ),
    );
    live = await liveViews(topology);
    if (isDeepStrictEqual(live, clean)) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  for (const key of new Set([...Object.keys(live), ...Object.keys(clean)])) {
    if (isDeepStrictEqual(live[key], clean[key])) continue;
    const detail = !(key in live)
      ? "missing from the live view"
      : !(key in clean)
        ? "not in a clean rebuild"
        : (streamDifference(live[key], clean[key]) ??
          `live ${short(live[key])} ≠ rebuilt ${short(clean[key])}`);
    differences.push({ kind: "view", what: key, detail });
  }

  // Balances: the view's, as clients read it, against what the clients were told happened.
  for (const accountId of accounts) {
    const read = await clients.query<{ account: { balance: { minorUnits: string | number } } | null }>(
      `query($id: ID!) { account(id: $id) { balance { minorUnits } } }`,
      { id: accountId },
    );
    const actual = BigInt(read.account?.balance.minorUnits ?? -1);
    const want = expected.get(accountId)!;
    if (actual !== want)
      differences.push({
        kind: "balance",
        what: accountId,
        detail: `balance ${actual}, acknowledged movements sum to ${want}`,
      });
  }

  // Subscribers: each push's revision once, in order, none skipped unless the push says so.
  let lost = 0;
  let doubled = 0;
  let outOfOrder = 0;
  let pushesReceived = 0;
  for (const subscriber of subscribers) {
    const read = await clients.query<{ account: { revision: number } | null }>(
      `query($id: ID!) { account(id: $id) { revision } }`,
      { id: subscriber.accountId },
    );
    const final = read.account?.revision ?? -1;
    // The last pushes may still be on their way.
    const until = Date.now() + 10_000;
    while ((subscriber.pushes.at(-1)?.revision ?? -1) < final && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pushes = subscriber.pushes;
    pushesReceived += pushes.length;
    const seen = new Set<number>();
    let previous: number | null = null;
    const own = { lost: 0, doubled: 0, outOfOrder: 0 };
    for (const push of pushes) {
      if (seen.has(push.revision)) own.doubled++;
      else if (previous !== null && push.revision < previous) own.outOfOrder++;
      else if (previous !== null && push.revision > previous + 1 && !push.missed)
        own.lost += push.revision - previous - 1;
      seen.add(push.revision);
      previous = Math.max(previous ?? push.revision, push.revision);
    }
    if (previous !== null && previous < final) own.lost += final - previous;
    if (own.lost + own.doubled + own.outOfOrder > 0) {
      differences.push({
        kind: "subscriber",
        what: subscriber.accountId,
        detail: `lost ${own.lost}, doubled ${own.doubled}, out of order ${own.outOfOrder} (final revision ${final})`,
      });
    }
    lost += own.lost;
    doubled += own.doubled;
    outOfOrder += own.outOfOrder;
  }

  return {
    viewKeysCompared: Object.keys(clean).length,
    accountsCompared: accounts.length,
    subscribers: subscribers.length,
    pushesReceived,
    lost: lost + differences.filter((d) => d.kind === "view" && d.detail.startsWith("missing")).length,
    doubled,
    outOfOrder,
    transfers,
    differences,
  };
}

/** For two histories (streams): how many entries each has, and which ids only one of them has. */
function streamDifference(live: unknown, clean: unknown): string | null {
  const ids = (value: unknown) =>
    Array.isArray(value) && value.every((entry) => Array.isArray(entry) && typeof entry[0] === "string")
      ? (value as [string, unknown][]).map(([id]) => id)
      : null;
  const a = ids(live);
  const b = ids(clean);
  if (!a || !b) return null;
  const onlyLive = a.filter((id) => !b.includes(id));
  const onlyClean = b.filter((id) => !a.includes(id));
  return (
    `history of ${a.length} entries (${a[0]} … ${a.at(-1)}), rebuilt ${b.length} (${b[0]} … ${b.at(-1)}); ` +
    `only live: ${onlyLive.slice(0, 5).join(" ")}${onlyLive.length > 5 ? ` (+${onlyLive.length - 5})` : ""}; ` +
    `only rebuilt: ${onlyClean.slice(0, 5).join(" ")}${onlyClean.length > 5 ? ` (+${onlyClean.length - 5})` : ""}` +
    (onlyLive.length === 0 && onlyClean.length === 0 ? "; same ids, different content" : "")
  );
}

function short(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
