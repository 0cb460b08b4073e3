import { accountAggregate } from "../commands/aggregates/account";
import { orderAggregate } from "../commands/aggregates/order";
import { productAggregate } from "../commands/aggregates/product";
import type { CommandRuntime } from "../commands/runtime";
import type { SnapshotPolicy } from "../commands/snapshots";
import { accountStreamPrefix } from "../domain/banking/state";
import { productStreamPrefix } from "../domain/catalog/state";
import { orderStreamPrefix } from "../domain/ordering/state";
import type { EventLog } from "../eventstore/port";
import { formatPosition, parsePosition } from "../eventstore/position";

/** Which aggregate type a stream belongs to, by its prefix. */
const aggregates: readonly {
  prefix: string;
  name: string;
  snapshot: (commands: CommandRuntime, streamId: string) => Promise<boolean>;
}[] = [
  {
    prefix: accountStreamPrefix,
    name: accountAggregate.name,
    snapshot: (commands, streamId) => commands.snapshotNow(accountAggregate, streamId),
  },
  {
    prefix: orderStreamPrefix,
    name: orderAggregate.name,
    snapshot: (commands, streamId) => commands.snapshotNow(orderAggregate, streamId),
  },
  {
    prefix: productStreamPrefix,
    name: productAggregate.name,
    snapshot: (commands, streamId) => commands.snapshotNow(productAggregate, streamId),
  },
];

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
    const found = aggregates.find((entry) => streamId.startsWith(entry.prefix));
    done++;
    if (!found || !policyFor(found.name).sweep) continue;
    if (await found.snapshot(commands, streamId)) snapshotted++;
    if (done % 100 === 0) await options.onProgress?.({ eventsRead, streams: changed.size, snapshotted });
  }
  return {
    eventsRead,
    streams: changed.size,
    snapshotted,
    position: after ? formatPosition(after) : options.after,
  };
}
