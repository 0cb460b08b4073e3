import type { Topology } from "./topology";
import { pause } from "./load";

export const faultKinds = [
  "kill-projector",
  "kill-worker",
  "kill-gateway",
  "partition",
  "redis-restart",
  "store-stall",
  "new-view",
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** One fault of the plan: when (seconds into the run), what, and on which process. */
export interface PlannedFault {
  readonly atSeconds: number;
  readonly kind: FaultKind;
  readonly target: string;
}

/** What happened when a fault ran: when it began, when it was undone, and when the system healed. */
export interface FaultRecord extends PlannedFault {
  startedAt: number;
  /** The fault is over (process restarted, connection restored); healing starts here. */
  endedAt: number;
  /** Every projector caught up with the log again (null: not within the heal budget). */
  healedAt: number | null;
}

export interface PlanOptions {
  readonly seconds: number;
  readonly faults: readonly FaultKind[];
  readonly partitions: number;
  /** Projector kills over the run (spread evenly, alternating partitions). */
  readonly projectorKills: number;
  readonly workerKills: number;
}

/**
 * The schedule, fixed before the run starts and printed: projector kills spread evenly over the
 * run; worker kills between them; one gateway kill, two partitions, one Redis restart from empty,
 * one store stall and one brand-new view at fixed fractions of the run, none of them at once.
 */
export function planFaults(options: PlanOptions): PlannedFault[] {
  const { seconds, faults } = options;
  const plan: PlannedFault[] = [];
  const has = (kind: FaultKind) => faults.includes(kind);
  const at = (fraction: number) => Math.round(seconds * fraction * 10) / 10;
  // The one-off faults, apart from each other; the kills fill the rest of the run.
  if (has("partition")) plan.push({ atSeconds: at(0.2), kind: "partition", target: "projectors" });
  if (has("new-view")) plan.push({ atSeconds: at(0.3), kind: "new-view", target: "balance-history" });
  if (has("kill-gateway")) plan.push({ atSeconds: at(0.4), kind: "kill-gateway", target: "gateway-2" });
  if (has("redis-restart")) plan.push({ atSeconds: at(0.5), kind: "redis-restart", target: "redis" });
  if (has("store-stall")) plan.push({ atSeconds: at(0.6), kind: "store-stall", target: "store" });
  if (has("partition")) plan.push({ atSeconds: at(0.7), kind: "partition", target: "projectors" });
  const busy = plan.map((fault) => fault.atSeconds);
  const free = (t: number) => busy.every((b) => Math.abs(b - t) > Math.max(3, seconds * 0.01));
  if (has("kill-projector")) {
    // Evenly spaced candidates, a few more than needed: those too close to a one-off are skipped.
    const step = (seconds * 0.85) / (options.projectorKills * 1.2);
    for (
      let t = seconds * 0.05, placed = 0;
      placed < options.projectorKills && t < seconds * 0.92;
      t += step
    ) {
      if (!free(t)) continue;
      const atSeconds = Math.round(t * 10) / 10;
      plan.push({ atSeconds, kind: "kill-projector", target: `projector-${placed % options.partitions}` });
      placed++;
    }
  }
  if (has("kill-worker")) {
    const every = (seconds * 0.8) / options.workerKills;
    for (let i = 0; i < options.workerKills; i++) {
      // The planned instant, or the nearest free one after it.
      const planned = seconds * 0.08 + i * every + every / 2;
      for (let t = planned; t < seconds * 0.95; t += seconds * 0.02) {
        if (!free(t) || plan.some((f) => Math.abs(f.atSeconds - t) < 1)) continue;
        plan.push({ atSeconds: Math.round(t * 10) / 10, kind: "kill-worker", target: "worker" });
        break;
      }
    }
  }
  return plan.sort((a, b) => a.atSeconds - b.atSeconds);
}

/** How long the longer faults last (a partition, a stall, a gateway that stays down). */
export interface FaultDurations {
  readonly partitionMs: number;
  readonly stallMs: number;
  readonly gatewayDownMs: number;
}

/** Runs one fault against the topology; resolves when the fault is over (not healed). */
export async function inject(
  topology: Topology,
  fault: PlannedFault,
  durations: FaultDurations,
  startRebuild: (view: string) => Promise<void>,
): Promise<void> {
  switch (fault.kind) {
    case "kill-projector":
    case "kill-worker":
    case "kill-gateway": {
      const node = topology.nodes.find((n) => n.name === fault.target)!;
      await node.process.kill();
      if (fault.kind === "kill-gateway") await pause(durations.gatewayDownMs);
      node.restart();
      if (fault.kind === "kill-gateway") await topology.gatewaysAnswer(60_000);
      return;
    }
    case "partition":
      topology.projectorRedisProxy.cutOff();
      topology.projectorStoreProxy.cutOff();
      await pause(durations.partitionMs);
      topology.projectorRedisProxy.restore();
      topology.projectorStoreProxy.restore();
      return;
    case "redis-restart":
      await topology.redis.killAndWipe();
      await pause(500);
      await topology.redis.up();
      return;
    case "store-stall":
      topology.storeProxy.stall();
      topology.projectorStoreProxy.stall();
      await pause(durations.stallMs);
      topology.storeProxy.resume();
      topology.projectorStoreProxy.resume();
      return;
    case "new-view":
      await startRebuild(fault.target);
      return;
  }
}
