import { isDeepStrictEqual } from "node:util";
import { foldStored } from "../../commands/aggregate";
import { accountAggregate } from "../../commands/aggregates/account";
import type { AccountState } from "../../domain/banking/state";
import { accountStreamId } from "../../domain/banking/state";
import { nowMs } from "../lib/clock";
import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { seedAccounts } from "../lib/events";
import { row } from "../lib/report";
import { quantile, ratios, summarize } from "../lib/stats";

function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * 7. Loading one long aggregate: the whole 10,000-event stream read and folded (what the command
 * runtime does without a snapshot), against the product's snapshot path: the snapshot read from
 * the store's SnapshotStore, then only the events after it read through `readStream` and folded.
 */
export const aggregateLoad: Figure = {
  id: "7",
  title: "aggregate load: full stream vs snapshot + tail",
  async run(context) {
    const { load, env } = context;
    const { store, schema } = await env.store("a7");
    const { events, tail, loads } = load.aggregate;
    const [accountId] = await seedAccounts(store, {
      prefix: "bench-long",
      streams: 1,
      total: events,
      batch: 500,
      concurrency: 1,
    });
    const streamId = accountStreamId(accountId!);
    await env.analyze(schema);

    const all = await store.readStream(streamId);
    const snapshotRevision = all.length - 1 - tail;
    const snapshotState = foldStored(accountAggregate, all.slice(0, snapshotRevision + 1));
    await store.writeSnapshot({
      streamId,
      revision: snapshotRevision,
      stateVersion: accountAggregate.stateVersion,
      state: snapshotState,
    });

    const full = async () => {
      const start = nowMs();
      const recorded = await store.readStream(streamId);
      const read = nowMs();
      const state = foldStored(accountAggregate, recorded);
      return { ms: nowMs() - start, readMs: read - start, state };
    };
    const fromSnapshot = async () => {
      const start = nowMs();
      const snapshot = (await store.readSnapshot(streamId))!;
      const recorded = await store.readStream(streamId, { fromRevision: snapshot.revision + 1 });
      const state = foldStored(accountAggregate, recorded, snapshot.state as AccountState);
      return { ms: nowMs() - start, state };
    };
    const check = [await full(), await fromSnapshot()];
    if (!isDeepStrictEqual(check[0]!.state, check[1]!.state)) {
      throw new Error("snapshot + tail does not give the state a full replay gives");
    }

    const readShare: number[] = [];
    const samples = await inRounds(context, async () => {
      const fullMs: number[] = [];
      const snapshotMs: number[] = [];
      for (let i = 0; i < loads; i++) {
        const whole = await full();
        fullMs.push(whole.ms);
        readShare.push(whole.readMs / whole.ms);
        snapshotMs.push((await fromSnapshot()).ms);
      }
      return { "full load ms": median(fullMs), "snapshot + tail ms": median(snapshotMs) };
    });
    return [
      row({
        id: "7",
        value: {
          label: `full load, ${all.length} events`,
          unit: "ms",
          summary: summarize(samples["full load ms"]),
        },
        baseline: {
          label: `snapshot + ${tail}-event tail`,
          unit: "ms",
          summary: summarize(samples["snapshot + tail ms"]),
        },
        // Here the figure is how many times faster the snapshot is: full / snapshot.
        ratio: summarize(ratios(samples["full load ms"], samples["snapshot + tail ms"])),
        target: { text: "snapshot ≥ 20× faster", on: "ratio", op: ">=", bound: 20 },
        notes: [
          "the snapshot path the command runtime takes: readSnapshot from the store's snapshots table, then readStream of the tail",
          `${loads} loads of each per round, median per round; reading is ${Math.round(median(readShare) * 100)}% of a full load, folding the rest`,
          "the stream: 4 deposits for every withdrawal; the state keeps every withdrawal (for reversals), so it grows with the stream",
        ],
      }),
    ];
  },
};
