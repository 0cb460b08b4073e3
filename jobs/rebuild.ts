import type { Redis } from "ioredis";
import type { EventLog, RecordedEvent } from "../eventstore/port";
import { comparePositions, formatPosition, parsePosition } from "../eventstore/position";
import type { Projector } from "../projectors/projector";
import {
  ReadModelWriter,
  type BatchOutcome,
  type UnitOutcome,
  type ViewUnit,
} from "../readmodels/batch-writer";
import { ViewGenerations } from "../readmodels/generations";
import {
  generationKeys,
  partitionName,
  partitionNames,
  partitionOf,
  type ReadModelKeys,
} from "../readmodels/keys";
import { scanEach, unlinkKeys } from "../readmodels/redis-nodes";

/** What a rebuild reports while it runs. */
export interface RebuildProgress {
  /** Events of the view applied to the new generation (counting from the log's start). */
  readonly done: number;
  /** Events the view takes in the log, counted when the rebuild started. */
  readonly total: number;
  readonly stage: "building" | "switched" | "retiring" | "done" | "cancelled";
  /** Keys of the replaced generation removed so far. */
  readonly keysRemoved: number;
}

export interface RebuildResult {
  readonly view: string;
  readonly generation: number;
  readonly outcome: "switched" | "cancelled";
  /** The generation the rebuild replaced (null when cancelled). */
  readonly replaced: number | null;
  readonly events: number;
  readonly keysRemoved: number;
}

export interface RebuildOptions {
  readonly log: EventLog;
  readonly redis: Redis;
  readonly keys: ReadModelKeys;
  /** The view's projector writing to the generation these keys name. */
  readonly projectorAt: (keys: ReadModelKeys) => Projector;
  /** Projector partitions the deployment runs (PROJECTOR_PARTITIONS): each gets its checkpoint. */
  readonly partitions: number;
  /** Events read and written per step. */
  readonly pageSize: number;
  /** Wait between the switch and removing the old generation, so no reader is still on it. */
  readonly retireAfterMs: number;
  /** Keys removed per step while retiring a generation (bounded, never one huge DEL). */
  readonly retireChunk?: number;
  readonly onProgress: (progress: RebuildProgress) => Promise<void> | void;
}

/**
 * Builds `generation` of `view` from the whole log beside the live generation, switches readers
 * and projectors to it in one atomic step, then removes the replaced generation in bounded steps.
 *
 * Resumable at every point: the new generation's checkpoint is written with each page (the same
 * apply script as the projectors, so a page is in Redis whole or not at all), so a rebuild taken
 * over from a dead worker goes on from there; one that finds its generation already live goes on
 * retiring the old one. Writes are fenced on the generation being built: once a rebuild is
 * cancelled, nothing more is written, and what was written is removed.
 */
export async function rebuildView(
  options: RebuildOptions,
  view: string,
  generation: number,
): Promise<RebuildResult> {
  const { redis, keys, log } = options;
  const generations = new ViewGenerations(redis, keys);
  const record = await generations.read(view);
  const result = (
    outcome: RebuildResult["outcome"],
    replaced: number | null,
    events: number,
    removed = 0,
  ) => ({
    view,
    generation,
    outcome,
    replaced,
    events,
    keysRemoved: removed,
  });

  if (record.live === generation) {
    // Switched already (this is a resumed job): finish retiring what it replaced.
    const old = record.retiring;
    const removed = old === null ? 0 : await retire(options, generations, view, old, generation, 0);
    return result("switched", old, 0, removed);
  }
  if (record.building !== generation) return cancelled(options, generations, view, generation, 0);

  // A generation an earlier rebuild switched from and did not finish removing goes first: the
  // switch below records only the one it replaces.
  if (record.retiring !== null && record.retiring !== record.live) {
    await retire(options, generations, view, record.retiring, record.live, 0);
  }
  await removeStaleGenerations(options, generations, view, [record.live, generation]);
  if (!(await generations.mirrorBuilding(view, generation))) {
    return cancelled(options, generations, view, generation, 0);
  }
  const at = generationKeys(keys, view, generation);
  const projector = options.projectorAt(at);
  const partitions = await projectorNames(options, view);
  const skipped = await skipMarks(redis, keys, partitions);
  const liveAt = generationKeys(keys, view, record.live);
  const slots = pageSlots(options, generations, view, generation);

  let checkpoint = await slots.resumeFrom();
  const total = await log.countAfter(null, projector.filter);
  let done =
    checkpoint === null ? 0 : total - (await log.countAfter(parsePosition(checkpoint), projector.filter));
  await options.onProgress({ done, total, stage: "building", keysRemoved: 0 });

  // A page of the log after `after`, and its events' writes.
  const readPage = async (after: string | null) => {
    const page = await log.readAll({
      ...(after !== null && { after: parsePosition(after) }),
      maxCount: options.pageSize,
      filter: projector.filter,
    });
    return { page, units: page.map((event) => unitOf(projector, event, skipped)) };
  };
  for (let attempts = 1; ; attempts++) {
    // The page after the one being applied, read and projected meanwhile: reading the log and
    // projecting in this process overlap with the apply script's run in Redis instead of taking
    // turns with it.
    let nextPage: { after: string; read: ReturnType<typeof readPage> } | null = null;
    for (;;) {
      const { page, units } = await (nextPage?.after === checkpoint ? nextPage.read : readPage(checkpoint));
      nextPage = null;
      if (page.length > 0) {
        if (page.length === options.pageSize) {
          const after = formatPosition(page.at(-1)!.position);
          nextPage = { after, read: readPage(after) };
          // Not awaited when the rebuild stops at this page (cancelled): its failure is not news.
          nextPage.read.catch(() => undefined);
        }
        const outcome = await slots.apply(page, units, checkpoint);
        if (outcome.kind === "fenced") return cancelled(options, generations, view, generation, done);
        if (outcome.kind === "lost") {
          // Someone removed the generation's keys under it: start it again from the log's start.
          checkpoint = null;
          done = 0;
          continue;
        }
        const broken = outcome.units.findIndex((unit) => unit === "failed" || unit === "gap");
        if (broken >= 0) {
          const event = page[broken]!;
          const reason = outcome.refusals?.get(broken) ?? "an earlier event of its stream did not apply";
          throw new Error(
            `event ${event.id} (${event.type}, stream ${event.streamId}) did not apply to the rebuilt ` +
              `${view}: ${reason}. The live view is untouched; fix the projector, or mark the event ` +
              `skipped (npm run parked -- skip), and retry the job.`,
          );
        }
        // Every unit applied or was a duplicate: the stored checkpoint is at the page's end or past
        // it (another run of this job got further), so reading goes on after the page either way.
        checkpoint = outcome.checkpoint ?? formatPosition(page.at(-1)!.position);
        done += page.length;
        await options.onProgress({ done, total: Math.max(total, done), stage: "building", keysRemoved: 0 });
      }
      if (page.length < options.pageSize) break;
    }

    // Caught up with the head as it was when the last page was read. The switch gives every
    // projector partition the rebuild's checkpoint; it waits for a further page while a projector
    // has already written the live generation past it (readers have seen those events), up to a
    // bound, so that under a write rate the rebuild never catches up with, it still ends.
    const force = attempts >= maxSwitchAttempts;
    const switched =
      keys.spreadOf(view) === null
        ? await generations.switchTo(
            view,
            generation,
            at.checkpoint(view),
            {
              next: partitions.map((name) => at.checkpoint(name)),
              live: partitions.map((name) => liveAt.checkpoint(name)),
            },
            force,
          )
        : await switchSpread(options, generations, view, generation, record.live, force);
    if (switched === "cancelled") return cancelled(options, generations, view, generation, done);
    if (switched === "behind") continue;
    await options.onProgress({ done, total: Math.max(total, done), stage: "switched", keysRemoved: 0 });
    const removed = await retire(options, generations, view, switched, generation, done);
    return result("switched", switched, done, removed);
  }
}

/** Tries at a switch before it is made although a projector is a few events ahead. */
const maxSwitchAttempts = 100;

/**
 * Where a rebuild's pages are written: a view's one slot (one apply call per page, the rebuild's
 * checkpoint beside the data), or, for a view spread over the cluster's partitions, one call per
 * partition, each with the page's events of its streams (the others pass as no-ops, so every
 * partition's checkpoint reaches the page's end) and a checkpoint of its own. A rebuild stopped
 * between two partitions' calls resumes from the one behind; the guards make the repeats no-ops.
 */
function pageSlots(options: RebuildOptions, generations: ViewGenerations, view: string, generation: number) {
  const { redis, keys } = options;
  const at = generationKeys(keys, view, generation);
  const writer = new ReadModelWriter(redis);
  const count = keys.spreadOf(view);
  if (count === null) {
    const checkpointKey = at.checkpoint(view);
    const fence = generations.buildingFence(view, generation);
    return {
      resumeFrom: () => redis.get(checkpointKey),
      apply: (
        _page: readonly RecordedEvent[],
        units: ViewUnit[],
        expected: string | null,
      ): Promise<BatchOutcome> => writer.apply(checkpointKey, expected, units, { fence, quiet: true }),
    };
  }
  const partitions = Array.from({ length: count }, (_, p) => p);
  const checkpointKeys = partitions.map((p) => at.rebuildCheckpoint(view, p));
  let expected: (string | null)[] | null = null;
  return {
    async resumeFrom(): Promise<string | null> {
      expected = await Promise.all(checkpointKeys.map((key) => redis.get(key)));
      return earliest(expected);
    },
    async apply(page: readonly RecordedEvent[], units: ViewUnit[]): Promise<BatchOutcome> {
      const held = expected ?? (await Promise.all(checkpointKeys.map((key) => redis.get(key))));
      const outcomes: UnitOutcome[] = units.map(() => "applied");
      const refusals = new Map<number, string>();
      const written: (string | null)[] = [];
      const owners = page.map((event) => partitionOf(event.streamId, count));
      for (const p of partitions) {
        const mine = units.map((unit, i) => (owners[i] === p ? unit : passing(unit.position)));
        const outcome = await writer.apply(checkpointKeys[p]!, held[p]!, mine, {
          fence: generations.buildingFence(view, generation, p),
          quiet: true,
        });
        if (outcome.kind !== "ok") {
          expected = null;
          return outcome;
        }
        written.push(outcome.checkpoint ?? held[p]!);
        outcome.units.forEach((result, i) => {
          if (owners[i] === p) outcomes[i] = result;
        });
        for (const [i, reason] of outcome.refusals ?? []) refusals.set(i, reason);
      }
      expected = written;
      return {
        kind: "ok",
        checkpoint: earliest(written),
        units: outcomes,
        ...(refusals.size > 0 && { refusals }),
      };
    },
  };
}

/** A unit that writes nothing and moves the checkpoint (another partition's event). */
function passing(position: string): ViewUnit {
  return { position, ok: true, guard: null, ops: [], notices: [] };
}

/** The earliest of some checkpoints (null, the log's start, when any is missing). */
function earliest(checkpoints: readonly (string | null)[]): string | null {
  let first: string | null = null;
  for (const checkpoint of checkpoints) {
    if (checkpoint === null) return null;
    if (first === null || comparePositions(parsePosition(checkpoint), parsePosition(first)) < 0)
      first = checkpoint;
  }
  return first;
}

/**
 * The switch of a spread view: unless forced, it waits (as the whole view's does) while any
 * partition's projector has written the live generation past the rebuild's checkpoint of that
 * partition; then the view's record makes the generation live (readers move), and each partition
 * takes it in its own slot, its projector resuming from the rebuild's checkpoint there. Between the
 * two, a partition's projector may still write the old generation for a moment: readers see its
 * changes once it has moved and applied them again. A partition the rebuild does not get to (it
 * died) is moved by its projector, which notices that the view moved.
 */
async function switchSpread(
  options: RebuildOptions,
  generations: ViewGenerations,
  view: string,
  generation: number,
  live: number,
  force: boolean,
): Promise<number | "cancelled" | "behind"> {
  const { redis, keys } = options;
  const count = keys.spreadOf(view)!;
  const at = generationKeys(keys, view, generation);
  const liveAt = generationKeys(keys, view, live);
  const partitions = Array.from({ length: count }, (_, p) => p);
  if (!force) {
    for (const p of partitions) {
      const [written, rebuilt] = await Promise.all([
        redis.get(liveAt.checkpoint(partitionName(view, p, count))),
        redis.get(at.rebuildCheckpoint(view, p)),
      ]);
      const ahead =
        written !== null &&
        (rebuilt === null || comparePositions(parsePosition(written), parsePosition(rebuilt)) > 0);
      if (ahead) return "behind";
    }
  }
  const switched = await generations.switchTo(view, generation, null, { next: [], live: [] }, force);
  if (typeof switched !== "number") return switched;
  for (const p of partitions) await generations.settle(view, p, generation, partitionName(view, p, count));
  return switched;
}

/**
 * The names the view's projectors run under: the partitions configured here, and any whose state
 * reports say they run (a worker started without PROJECTOR_PARTITIONS still gives every partition
 * its checkpoint).
 */
async function projectorNames(options: RebuildOptions, view: string): Promise<string[]> {
  const names = new Set([view, ...partitionNames(view, options.partitions)]);
  const { keys, redis } = options;
  const reportOf = keys.projectorState(`${view}~`);
  const [before, after] = [
    reportOf.slice(0, reportOf.lastIndexOf("~") + 1),
    reportOf.slice(reportOf.lastIndexOf("~") + 1),
  ];
  await scanEach(redis, `${globEscape(before)}*${globEscape(after)}`, 500, (found) => {
    for (const key of found) names.add(`${view}~${key.slice(before.length, key.length - after.length)}`);
  });
  return [...names];
}

/** The event's writes; an event an operator marked to skip advances its guard only. */
function unitOf(projector: Projector, event: RecordedEvent, skipped: ReadonlySet<string>): ViewUnit {
  const position = formatPosition(event.position);
  if (skipped.has(event.id)) {
    return { position, ok: true, guard: projector.guardFor(event), ops: [], notices: [] };
  }
  try {
    return { position, ok: true, ...projector.project(event) };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(
      `event ${event.id} (${event.type}, stream ${event.streamId}) could not be projected: ${reason}`,
    );
  }
}

/** Parked events an operator marked to skip, for the view and each of its running partitions. */
async function skipMarks(redis: Redis, keys: ReadModelKeys, projectors: readonly string[]) {
  const marks = await Promise.all(projectors.map((name) => redis.smembers(keys.skippedEvents(name))));
  return new Set(marks.flat());
}

async function cancelled(
  options: RebuildOptions,
  generations: ViewGenerations,
  view: string,
  generation: number,
  done: number,
): Promise<RebuildResult> {
  await options.onProgress({ done, total: done, stage: "cancelled", keysRemoved: 0 });
  // Another run of this job may have switched to it (this one was presumed dead and replaced):
  // then it is the live view, and nothing is removed.
  const removed = (await generations.disowned(view, generation))
    ? await removeGeneration(options, view, generation)
    : 0;
  return { view, generation, outcome: "cancelled", replaced: null, events: done, keysRemoved: removed };
}

/**
 * Removes the replaced generation once readers have had time to move off it. Generation 0 (the
 * layout before any rebuild) shares its prefix with every other view, so its keys are found as
 * the new generation's names under the plain prefix.
 */
async function retire(
  options: RebuildOptions,
  generations: ViewGenerations,
  view: string,
  old: number,
  current: number,
  done: number,
): Promise<number> {
  const { keys } = options;
  await options.onProgress({ done, total: done, stage: "retiring", keysRemoved: 0 });
  await new Promise((resolve) => setTimeout(resolve, options.retireAfterMs));
  const report = (removed: number) =>
    options.onProgress({ done, total: done, stage: "retiring", keysRemoved: removed });
  let removed: number;
  if (old === 0 && keys.sharedGenerationZero) {
    const from = keys.generationPrefix(view, current);
    removed = await removeKeys(
      options,
      `${globEscape(from)}*`,
      report,
      (key) => keys.prefix + key.slice(from.length),
    );
  } else {
    removed = await removeGeneration(options, view, old, report);
  }
  await generations.retired(view, old);
  await options.onProgress({ done, total: done, stage: "done", keysRemoved: removed });
  return removed;
}

/** Removes every generation of a view but the ones kept (left by an abandoned rebuild). */
async function removeStaleGenerations(
  options: RebuildOptions,
  generations: ViewGenerations,
  view: string,
  keep: readonly number[],
) {
  const { keys } = options;
  const record = await generations.read(view);
  // Whatever the record still refers to stays, besides the ones asked for.
  const referred = [record.live, record.building, record.retiring].filter((g): g is number => g !== null);
  const kept = [...keep, ...referred].filter((g) => g > 0).flatMap((g) => keys.generationPrefixes(view, g));
  for (const base of keys.rebuiltGenerationPrefixes(view)) {
    await removeKeys(options, `${globEscape(base)}*`, undefined, (key) =>
      kept.some((prefix) => key.startsWith(prefix)) ? null : key,
    );
  }
}

/** Removes a generation's keys (under each of its prefixes). */
async function removeGeneration(
  options: RebuildOptions,
  view: string,
  generation: number,
  report?: (removed: number) => Promise<void> | void,
): Promise<number> {
  let removed = 0;
  for (const prefix of options.keys.generationPrefixes(view, generation)) {
    const before = removed;
    removed += await removeKeys(options, `${globEscape(prefix)}*`, report && ((n) => report(before + n)));
  }
  return removed;
}

/**
 * SCANs the pattern and UNLINKs what it finds in chunks (UNLINK frees memory off Redis's main
 * thread; no single command touches more than a chunk). `target` names the key to remove for a
 * key found (null: keep it).
 */
async function removeKeys(
  options: RebuildOptions,
  pattern: string,
  report?: (removed: number) => Promise<void> | void,
  target: (key: string) => string | null = (key) => key,
): Promise<number> {
  const chunk = options.retireChunk ?? 500;
  let removed = 0;
  await scanEach(options.redis, pattern, chunk, async (found) => {
    const doomed = found.map(target).filter((key): key is string => key !== null);
    if (doomed.length > 0) {
      removed += await unlinkKeys(options.redis, doomed);
      await report?.(removed);
    }
  });
  return removed;
}

/** A literal text inside a SCAN pattern. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
