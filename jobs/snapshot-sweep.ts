import { aggregates, kindOfStream, type AnyAggregate } from "../commands/aggregates/index";
import type { CommandRuntime } from "../commands/runtime";
import type { SnapshotPolicy } from "../commands/snapshots";
import type { EventLog } from "../eventstore/port";
import { formatPosition, parsePosition } from "../eventstore/position";

export interface SweepProgress {
  readonly eventsRead: number;
  readonly streams: number;
  readonly snapshotted: number;
}

export interface SweepResult extends SweepProgress {
  /** Where the next sweep starts (the log position of the last event read). */
  readonly position: string | null;
}

/**
 * The time-based snapshot rule: snapshot every aggregate changed since the last sweep (the log
 * read from `after`), for the aggregate types whose policy keeps the rule on. At most `maxEvents`
 * events per run: a sweep after a long pause continues in the next run.
 */
export async function sweepSnapshots(options: {
  log: EventLog;
  commands: CommandRuntime;
  policyFor: (aggregate: string) => SnapshotPolicy;
  after: string | null;
  maxEvents?: number;
  onProgress?: (progress: SweepProgress) => Promise<void> | void;
}): Promise<SweepResult> {
  const { log, commands, policyFor } = options;
  const maxEvents = options.maxEvents ?? 100_000;
  const changed = new Set<string>();
  let after = options.after ? parsePosition(options.after) : null;
  let eventsRead = 0;
  while (eventsRead < maxEvents) {
    const page = await log.readAll({
      ...(after && { after }),
      maxCount: Math.min(1_000, maxEvents - eventsRead),
    });
    if (page.length === 0) break;
    for (const event of page) changed.add(event.streamId);
    eventsRead += page.length;
    after = page.at(-1)!.position;
    await options.onProgress?.({ eventsRead, streams: changed.size, snapshotted: 0 });
  }
  let snapshotted = 0;
  let done = 0;
  for (const streamId of changed) {
    const kind = kindOfStream(streamId);
    done++;
    if (!kind || !policyFor(aggregates[kind].name).sweep) continue;
    const aggregate: AnyAggregate = aggregates[kind];
    if (await commands.snapshotNow(aggregate, streamId)) snapshotted++;
    if (done % 100 === 0) await options.onProgress?.({ eventsRead, streams: changed.size, snapshotted });
  }
  return {
    eventsRead,
    streams: changed.size,
    snapshotted,
    position: after ? formatPosition(after) : options.after,
  };
}
