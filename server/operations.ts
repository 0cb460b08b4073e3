import type { Plugin } from "graphql-yoga";
import { useReadinessCheck } from "graphql-yoga";
import type { ProjectorStateStore } from "../readmodels/projector-state";

export interface OperationsProbe {
  pingStore(): Promise<void>;
  pingRedis(): Promise<void>;
  readonly projectorStates: ProjectorStateStore;
  readonly projectorNames: readonly string[];
  /** Ready only while every projector is at most this many events behind. */
  readonly readyMaxLagEvents: number;
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
 * answer and no projector is stalled or further behind than the configured bound. `/metrics` is
 * the Prometheus plugin's (metrics.ts).
 */
export function operationsPlugins(probe: OperationsProbe): Plugin[] {
  const ready = useReadinessCheck({
    endpoint: "/ready",
    check: async () => {
      const [store, redis] = await Promise.all([outcome(probe.pingStore), outcome(probe.pingRedis)]);
      const projectors =
        redis === "ok" ? await probe.projectorStates.readMany(probe.projectorNames, new Date()) : [];
      const lagging = projectors.filter(
        (p) => p.status === "stalled" || p.lagEvents > probe.readyMaxLagEvents,
      );
      const isReady = store === "ok" && redis === "ok" && lagging.length === 0;
      return Response.json(
        {
          ready: isReady,
          eventStore: store,
          redis,
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
