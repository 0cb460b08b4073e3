import type { Log } from "../projectors/log";
import { partitionsDisagreement, type ProjectorStateStore } from "../readmodels/projector-state";

/**
 * Says so in the log when the projectors report running over another number of partitions than
 * this process was told (PROJECTOR_PARTITIONS), once when it starts and once when it ends: the
 * mistake makes no error of its own (a gateway reads freshness, and on a Redis Cluster the spread
 * views, where nothing is written; a worker's rebuild misses partitions). `/ready` fails meanwhile.
 */
export function watchPartitionAgreement(options: {
  readonly states: ProjectorStateStore;
  readonly partitions: number;
  readonly log: Log;
  /** The first look, once projectors started with this process have had time to report. */
  readonly firstAfterMs?: number;
  readonly everyMs?: number;
}): { stop(): void } {
  const { states, partitions, log } = options;
  let said: string | null = null;
  const look = async () => {
    const disagreement = partitionsDisagreement(partitions, await states.partitionsReporting(new Date()));
    if (disagreement === said) return;
    if (disagreement !== null) log.warn({ partitions }, disagreement);
    else log.info({ partitions }, "the projectors now run over the partitions this process was told");
    said = disagreement;
  };
  const run = () => void look().catch(() => undefined);
  let timer: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    run();
    timer = setInterval(run, options.everyMs ?? 30_000);
    timer.unref();
  }, options.firstAfterMs ?? 5_000);
  first.unref();
  return {
    stop() {
      clearTimeout(first);
      if (timer) clearInterval(timer);
    },
  };
}
