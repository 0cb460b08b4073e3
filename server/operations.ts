import type { Plugin } from "graphql-yoga";
import { useReadinessCheck } from "graphql-yoga";
import { partitionsDisagreement, type ProjectorStateStore } from "../readmodels/projector-state";

export interface OperationsProbe {
  pingStore(): Promise<void>;
  pingRedis(): Promise<void>;
  readonly projectorStates: ProjectorStateStore;
  readonly projectorNames: readonly string[];
  /** Ready only while every projector is at most this many events behind. */
  readonly readyMaxLagEvents: number;
  /** The projector partitions this process was told of (PROJECTOR_PARTITIONS). */
  readonly partitions: number;
}

async function outcome(check: () => Promise<void>): Promise<"ok" | string> {
  try {
    await check();
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.name : "failed";
  }
}

/**
 * `/health` (liveness) is yoga's own; `/ready` answers 200 only when the event store and Redis
 * answer, no projector is stalled or further behind than the configured bound, and the projectors
 * run over the number of partitions this process was told (else it reads where they do not
 * write). `/metrics` is the Prometheus plugin's (metrics.ts).
 */
export function operationsPlugins(probe: OperationsProbe): Plugin[] {
  const ready = useReadinessCheck({
    endpoint: "/ready",
    check: async () => {
      const [store, redis] = await Promise.all([outcome(probe.pingStore), outcome(probe.pingRedis)]);
      const now = new Date();
      const [projectors, reporting] =
        redis === "ok"
          ? await Promise.all([
              probe.projectorStates.readMany(probe.projectorNames, now),
              probe.projectorStates.partitionsReporting(now),
            ])
          : [[], new Map<number, string[]>()];
      const lagging = projectors.filter(
        (p) => p.status === "stalled" || p.lagEvents > probe.readyMaxLagEvents,
      );
      const disagreement = partitionsDisagreement(probe.partitions, reporting);
      const isReady = store === "ok" && redis === "ok" && lagging.length === 0 && disagreement === null;
      return Response.json(
        {
          ready: isReady,
          eventStore: store,
          redis,
          ...(disagreement !== null && { partitions: disagreement }),
          projectors: projectors.map((p) => ({
            name: p.projector,
            status: p.status,
            lagEvents: p.lagEvents,
          })),
        },
        { status: isReady ? 200 : 503 },
      );
    },
  });
  return [ready];
}
