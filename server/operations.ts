import type { Plugin } from "graphql-yoga";
import { useReadinessCheck } from "graphql-yoga";
import type { ProjectorState, ProjectorStateStore } from "../readmodels/projector-state";

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
 * answer and no projector is stalled or further behind than the configured bound; `/metrics`
 * exposes every projector's state in the Prometheus text format.
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
  const metrics: Plugin = {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== "/metrics" || request.method !== "GET") return;
      const states = await probe.projectorStates.readMany(probe.projectorNames, new Date());
      endResponse(
        new Response(prometheusText(states), { headers: { "content-type": "text/plain; version=0.0.4" } }),
      );
    },
  };
  return [ready, metrics];
}

const statuses = ["live", "catching_up", "rebuilding", "stalled", "stopped"] as const;

export function prometheusText(states: readonly ProjectorState[]): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: (s: ProjectorState) => number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const s of states) lines.push(`${name}{projector="${s.projector}"} ${value(s)}`);
  };
  gauge(
    "ledgerline_projector_lag_events",
    "Events in the log not yet in the projector's views.",
    (s) => s.lagEvents,
  );
  gauge(
    "ledgerline_projector_lag_seconds",
    "Age of the oldest event not yet projected.",
    (s) => s.lagMs / 1000,
  );
  gauge("ledgerline_projector_events_per_second", "Events applied per second.", (s) => s.eventsPerSecond);
  gauge("ledgerline_projector_parked_events", "Events set aside after failing.", (s) => s.parked);
  gauge("ledgerline_projector_checkpoint_prepare", "Prepare part of the checkpoint position.", (s) =>
    s.checkpoint ? Number(s.checkpoint.split(":")[1]) : 0,
  );
  lines.push(
    "# HELP ledgerline_projector_status 1 for the projector's current status.",
    "# TYPE ledgerline_projector_status gauge",
  );
  for (const s of states) {
    for (const status of statuses) {
      lines.push(
        `ledgerline_projector_status{projector="${s.projector}",status="${status}"} ${s.status === status ? 1 : 0}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
