import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { connectTarget, keysOn } from "../../gameday/lib/redis-keys";
import { rebuildView } from "../../jobs/rebuild";
import { LiveGenerations, ViewGenerations } from "../../readmodels/generations";
import { partitionOf } from "../../readmodels/keys";
import { scanAll } from "../../readmodels/redis-nodes";
import { positionOfEntry, snapshotOf } from "../../readmodels/view-history";
import { revenueFromHash } from "../../readmodels/revenue";
import { orderStreamId } from "../../domain/ordering/state";
import { spreadableViewNames, viewNames, viewReaders, views } from "../../readmodels/registry";
import { createPostgresTestStore } from "../support/eventstores";
import { startProjectorPartitions } from "../support/partitions";
import { appendMixedLoad } from "../support/load";
import { caughtUp, cleanRebuild, readModels } from "../support/rebuild";
import { testRedis } from "../support/redis-target";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A view's data as readers see it: its keys under every prefix given, the prefix taken off. */
async function dataUnder(redis: Redis, prefixes: readonly string[]): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = {};
  for (const prefix of prefixes) {
    for (const [key, value] of Object.entries(await readModels(redis, prefix))) {
      if (!key.startsWith("projector:")) merged[key] = value;
    }
  }
  return merged;
}

const movements = new Set(["MoneyDeposited", "MoneyWithdrawn", "WithdrawalReversed"]);

describe("views spread over one hash tag per projector partition (Redis Cluster)", () => {
  it("are written by two partition processes, read by id, rebuilt under load, and equal a clean rebuild", async () => {
    const target = testRedis();
    const es = await createPostgresTestStore();
    cleanups.push(() => es.close());
    const prefix = `spread:${randomBytes(4).toString("hex")}:`;
    for (const process of startProjectorPartitions({
      schema: es.schema,
      target: target,
      prefix,
      count: 2,
      name: "spread",
    })) {
      cleanups.push(async () => void (await process.kill()));
    }
    const client = connectTarget(target);
    cleanups.push(async () => void client.disconnect());
    const keys = keysOn(client, prefix, 2);
    const view = views.accountTransactions.name;

    await appendMixedLoad(es.store, { seed: 31, events: 2_000, tag: "sp0" });
    await caughtUp(es.store, client, prefix, 60_000, undefined, 2);

    // Each spread view that has data has it under both partitions' tags, and none under its own.
    // (The mixed load makes no transfers: every other spread view has data.)
    for (const name of spreadableViewNames.filter((name) => name !== views.transfers.name)) {
      for (const p of [0, 1]) {
        const found = await scanAll(client, `${keys.generationPrefix(name, 0, p)}*`);
        expect(found.length, `${name} partition ${p}`).toBeGreaterThan(3);
      }
      expect(await scanAll(client, `${keys.generationPrefix(name, 0)}*`)).toEqual([]);
    }

    // A reader finds an account's audit trail from its id alone, whichever slot it is in.
    const generationsNow = new LiveGenerations(client, keys, viewNames);
    await generationsNow.refresh();
    const readers = viewReaders(client, keys, (name) => generationsNow.keysOf(name));
    for (const account of ["sp0-a0", "sp0-a1", "sp0-a2", "sp0-a3"]) {
      const expected = (await es.store.readStream(accountStreamId(account))).filter((e) =>
        movements.has(e.type),
      );
      const { items } = await readers.accountTransactions.transactions(account, 1_000, null);
      expect(items.map((item) => item.eventId).reverse(), account).toEqual(expected.map((e) => e.id));
    }

    // An owner's accounts are kept by each partition for its streams; the reader merges them in
    // the order they were opened (one owner whose accounts the two partitions share).
    const openings = (await es.store.readAll({ filter: { streamPrefixes: ["account-"] } })).filter(
      (e) => e.type === "AccountOpened",
    );
    const ownersAccounts = new Map<string, string[]>();
    for (const e of openings) {
      const { ownerId, accountId } = e.data as { ownerId: string; accountId: string };
      ownersAccounts.set(ownerId, [...(ownersAccounts.get(ownerId) ?? []), accountId]);
    }
    const [owner, owned] = [...ownersAccounts].find(
      ([, ids]) => new Set(ids.map((id) => partitionOf(accountStreamId(id), 2))).size === 2,
    )!;
    expect(await readers.accounts.idsByOwner(owner, 0, 100)).toEqual({ ids: owned, total: owned.length });
    expect(await readers.accounts.idsByOwner(owner, 1, 1)).toEqual({ ids: [owned[1]], total: owned.length });

    // The order board and a customer's order changes, kept per partition, read merged: as one
    // projector writing one board and one history builds them.
    const whole = await cleanRebuild(es.store, target, [
      views.orders.name,
      views.revenue.name,
      views.ordersByRegion.name,
      views.customerOrders.name,
    ]);
    const board = whole[`{${views.orders.name}}:orders:recent`] as string[];
    const newest = board
      .filter((_, i) => i % 2 === 0)
      .reverse()
      .slice(0, 15);
    expect((await readers.orders.recent(15)).map((order) => order.orderId)).toEqual(newest);
    const histories = Object.keys(whole).filter((key) => /:customer:[^:]+:order-history$/.test(key));
    expect(histories.length).toBeGreaterThan(3);
    for (const key of histories.slice(0, 4)) {
      const customer = /:customer:([^:]+):order-history$/.exec(key)![1]!;
      const entries = (whole[key] as [string, string[]][]).map(([id]) => positionOfEntry(id));
      const merged = await readers.orders.customerChangesSince(customer, "0:0");
      expect(
        merged.changes.map((change) => change.position),
        customer,
      ).toEqual(entries);
    }

    // Counts and totals kept per partition (each of its own streams' events), read summed: as
    // one projector counting every stream builds them.
    const regions = whole[`{${views.ordersByRegion.name}}:regions`] as string[];
    const counted = regions.flatMap((_, i) =>
      i % 2 === 0 ? [{ region: regions[i]!, orders: Number(regions[i + 1]) }] : [],
    );
    expect(counted.length).toBeGreaterThan(3);
    expect(await readers.ordersByRegion.regions()).toEqual(counted.reverse());
    const regionOrders = whole[`{${views.ordersByRegion.name}}:region:DE:orders`] as string[];
    const newestInDe = regionOrders.filter((_, i) => i % 2 === 0).reverse();
    expect(await readers.ordersByRegion.byRegion("DE", 2, 5)).toEqual({
      ids: newestInDe.slice(2, 7),
      offset: 2,
      total: newestInDe.length,
    });
    const customer = "sp0-c3";
    const placed = whole[`{${views.customerOrders.name}}:customer:${customer}:orders`] as string[];
    const customersOrders = placed.filter((_, i) => i % 2 === 0).reverse();
    expect(new Set(customersOrders.map((id) => partitionOf(orderStreamId(id), 2))).size).toBe(2);
    expect((await readers.customerOrders.byCustomer(customer, 0, 100)).ids).toEqual(customersOrders);
    const revenueAt = (key: string) => whole[`{${views.revenue.name}}:revenue:USD:${key}`];
    const total = revenueFromHash("USD", revenueAt("total") as Record<string, string>);
    expect(total.orders).toBeGreaterThan(10);
    expect(await readers.revenue.total("USD")).toEqual(total);
    const days = await readers.revenue.days("USD", "2000-01-01", "2100-01-01", 1_000);
    expect(days.length).toBeGreaterThan(0);
    for (const day of days)
      expect(day).toEqual({
        ...revenueFromHash("USD", revenueAt(`day:${day.day}`) as Record<string, string>),
        day: day.day,
      });
    // The total's changes after a position, each summed from both partitions' partial totals as
    // they stood there: the same as one projector's history of the whole total.
    const history = (revenueAt("history") as [string, string[]][]).map(([id, fields]) => ({
      position: positionOfEntry(id),
      view: revenueFromHash("USD", snapshotOf(fields)),
    }));
    expect(history.length).toBeGreaterThan(40);
    const since = history[history.length - 30]!.position;
    expect(await readers.revenue.changesSince("USD", since)).toEqual({
      changes: history.slice(history.length - 29),
      complete: true,
    });

    // A rebuild of the spread view while more is appended and both partitions project it.
    const generations = new ViewGenerations(client, keys);
    const begun = (await generations.begin(view, null))!;
    const load = appendMixedLoad(es.store, { seed: 32, events: 3_000, tag: "sp1" });
    const stages: string[] = [];
    const result = await rebuildView(
      {
        log: es.store,
        redis: client,
        keys,
        projectorAt: (at) => views.accountTransactions.projector(at),
        partitions: 2,
        pageSize: 100,
        retireAfterMs: 200,
        onProgress: (progress) => void stages.push(progress.stage),
      },
      view,
      begun.generation,
    );
    await load;
    expect(result.outcome).toBe("switched");
    expect(stages).toContain("retiring");
    expect(await generations.live(view)).toBe(begun.generation);
    for (const p of [0, 1]) expect(await generations.partitionLive(view, p)).toBe(begun.generation);
    // The replaced generation is gone from both partitions' slots.
    for (const p of [0, 1])
      expect(await scanAll(client, `${keys.generationPrefix(view, 0, p)}*`)).toEqual([]);

    // The partitions' projectors moved to the new generation and carried on there.
    await caughtUp(es.store, client, prefix, 60_000, [view], 2);
    const rebuilt = await cleanRebuild(es.store, target, [view]);
    const clean = Object.fromEntries(
      Object.entries(rebuilt)
        .filter(([key]) => key.startsWith(`{${view}}:`) && !key.includes(":projector:"))
        .map(([key, value]) => [key.slice(`{${view}}:`.length), value]),
    );
    const live = await dataUnder(client, keys.generationPrefixes(view, begun.generation));
    expect(Object.keys(live).length).toBeGreaterThan(50);
    expect(live).toEqual(clean);
  }, 300_000);
});
