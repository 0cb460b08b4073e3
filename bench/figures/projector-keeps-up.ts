import { accountStreamId } from "../../domain/banking/state";
import type { Position } from "../../eventstore/port";
import { comparePositions, parsePosition } from "../../eventstore/position";
import { accountsProjector } from "../../readmodels/accounts";
import { silentLog } from "../../projectors/log";
import { ProjectorRunner } from "../../projectors/runtime";
import { readModelKeys } from "../../readmodels/keys";
import { nowMs, sleep, waitUntil } from "../lib/clock";
import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { opened } from "../lib/events";
import { latencyRecorder } from "../lib/histogram";
import { NoticeClock } from "../lib/notices";
import { row } from "../lib/report";
import { saturate } from "../lib/saturate";
import { Streams } from "../lib/streams";
import { ratios, summarize } from "../lib/stats";

/**
 * 5. The projector while it keeps up: appends at a steady rate W (half the maximum append rate
 * measured first), the projector's throughput and the lag of each event (append acknowledged →
 * its change notice published by the projector's Lua write). Its headroom is measured by stopping
 * it, appending a backlog, and timing a fresh runner draining it: capacity / W must be ≥ 1.5.
 */
export const projectorKeepsUp: Figure = {
  id: "5",
  title: "projector throughput and lag at a steady write rate",
  async run(context) {
    const { load, env, signal } = context;
    const { store, schema } = await env.store("p5");
    const redis = env.redis();
    const prefix = env.prefix("p5");
    const keys = readModelKeys(prefix);
    const notices = await NoticeClock.start(env.redis(), prefix);
    const newRunner = () =>
      new ProjectorRunner({
        store,
        redis,
        keys,
        projector: accountsProjector(keys),
        consumerName: `bench-${env.runId}-p5`,
        log: silentLog,
      });
    let runner = newRunner();
    await runner.start();
    const stopRunner = env.track(() => runner.stop());

    const ids = Array.from({ length: load.projector.streams }, (_, i) => `bench-p${i}`);
    for (const id of ids)
      await store.appendToStream(accountStreamId(id), [opened(id)], { expectedRevision: "no_stream" });
    const streams = new Streams(store, ids);
    const writers = Math.min(8, ids.length);
    const calibration = await saturate(writers, load.projector.calibrationSeconds, (worker) =>
      streams.append(1, worker + writers * Math.floor(Math.random() * Math.floor(ids.length / writers))),
    );
    const rate = Math.max(1, Math.round(calibration.perSecond / 2));
    await env.analyze(schema);
    context.progress(
      `max append rate ${Math.round(calibration.perSecond)} events/s (${writers} writers); steady rate W = ${rate} events/s`,
    );
    const caughtUp = async () => {
      const head = await store.headPosition();
      await waitUntil(
        () =>
          head === null ||
          (runner.position !== null && comparePositions(parsePosition(runner.position), head) >= 0),
        "the projector to catch up",
        { timeoutMs: 120_000, signal },
      );
    };
    await caughtUp();

    let early = 0;
    let skipped = 0;
    let unseen = 0;
    const samples = await inRounds(context, async () => {
      // Steady phase: appends due at start + i / W, whatever the previous ones are doing.
      notices.forget();
      const acks: { accountId: string; position: Position; at: number }[] = [];
      const appliedBefore = runner.applied;
      const start = nowMs();
      const total = Math.round(rate * load.projector.seconds);
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - nowMs();
        if (wait > 1) await sleep(wait, signal);
        inFlight.push(
          streams.append().then((ack) => {
            if (ack) acks.push({ ...ack, at: nowMs() });
            else skipped++;
          }),
        );
      }
      await Promise.all(inFlight);
      const window = (nowMs() - start) / 1000;
      const appliedInWindow = runner.applied - appliedBefore;
      await caughtUp();
      const noticed = (ack: (typeof acks)[number]) => notices.appliedAt(ack.accountId, ack.position);
      await waitUntil(() => acks.every((ack) => noticed(ack) !== null), "change notices", {
        timeoutMs: 5_000,
        signal,
      }).catch(() => undefined);
      const lag = latencyRecorder();
      for (const ack of acks) {
        const at = noticed(ack);
        if (at === null) {
          unseen++;
          continue;
        }
        if (at < ack.at) early++;
        lag.record(at - ack.at);
      }

      // Headroom: stop the projector, append a backlog, time a fresh runner draining it.
      await runner.stop();
      const perStream = Math.max(1, Math.ceil(load.projector.backlog / ids.length));
      await Promise.all(ids.map((_, index) => streams.append(perStream, index)));
      const backlog = perStream * ids.length;
      runner = newRunner();
      const drainStart = nowMs();
      await runner.start();
      await waitUntil(() => runner.applied >= backlog, "the backlog to drain", {
        timeoutMs: 120_000,
        everyMs: 2,
        signal,
      });
      const capacity = backlog / ((nowMs() - drainStart) / 1000);
      await caughtUp();
      return {
        "W events/s": rate,
        "applied events/s": appliedInWindow / window,
        "capacity events/s": capacity,
        "lag p99 ms": lag.summary().p99,
        "write interval ms": 1000 / rate,
      };
    });
    await stopRunner();
    await notices.stop();
    const notes = [
      `W = ${rate} events/s = half the max append rate (${writers} writers, one event per append); ${load.projector.seconds} s steady phase; backlog ${load.projector.backlog} events`,
      "lag: append acknowledged → the projector's first change notice covering that event (Redis PUBLISH in the same Lua call as the write)",
      ...(early > 0 ? [`${early} notices came before the append's answer (counted as 0 ms)`] : []),
      ...(skipped > 0 ? [`${skipped} appends skipped (every stream busy)`] : []),
      ...(unseen > 0 ? [`${unseen} appends whose change notice never arrived`] : []),
    ];
    const rateSummary = summarize(samples["W events/s"]);
    return [
      row({
        id: "5a",
        value: {
          label: "projector capacity (backlog drain)",
          unit: "events/s",
          summary: summarize(samples["capacity events/s"]),
        },
        baseline: { label: "steady write rate W", unit: "events/s", summary: rateSummary },
        ratio: summarize(ratios(samples["capacity events/s"], samples["W events/s"])),
        target: { text: "keeps up at ≥ 1.5× W", on: "ratio", op: ">=", bound: 1.5 },
        notes,
      }),
      row({
        id: "5b",
        value: {
          label: "projector throughput at W",
          unit: "events/s",
          summary: summarize(samples["applied events/s"]),
        },
        baseline: { label: "steady write rate W", unit: "events/s", summary: rateSummary },
        ratio: summarize(ratios(samples["applied events/s"], samples["W events/s"])),
        target: null,
        notes,
      }),
      row({
        id: "5c",
        value: { label: "projector lag p99 at W", unit: "ms", summary: summarize(samples["lag p99 ms"]) },
        baseline: {
          label: "write interval 1/W",
          unit: "ms",
          summary: summarize(samples["write interval ms"]),
        },
        ratio: summarize(ratios(samples["lag p99 ms"], samples["write interval ms"])),
        target: null,
        notes,
      }),
    ];
  },
};
