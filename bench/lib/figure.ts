import { throwIfAborted } from "./clock";
import type { Driver } from "./driver/index";
import type { RunEnv } from "./env";
import type { Load } from "./modes";
import { formatNumber, type FigureRow } from "./report";

export interface FigureContext {
  readonly load: Load;
  readonly env: RunEnv;
  readonly driver: Driver;
  readonly signal: AbortSignal;
  /** Figures leave calibration values here for later ones (e.g. the maximum query rate). */
  readonly shared: Map<string, number>;
  /** One line per phase, on stderr. */
  progress(message: string): void;
}

export interface Figure {
  readonly id: string;
  readonly title: string;
  run(context: FigureContext): Promise<FigureRow[]>;
}

/**
 * A warm-up round (not kept; figures may make it shorter) when the load asks for one, then the
 * measured rounds. Each round
 * measures the figure and its baselines back to back, so slow drift of the machine hits both.
 */
export async function inRounds<K extends string>(
  context: FigureContext,
  measure: (round: number, warmup: boolean) => Promise<Record<K, number>>,
): Promise<Record<K, number[]>> {
  const { load } = context;
  const kept = {} as Record<K, number[]>;
  const total = load.rounds + (load.warmup ? 1 : 0);
  for (let i = 0; i < total; i++) {
    throwIfAborted(context.signal);
    const warmup = load.warmup && i === 0;
    const values = await measure(i, warmup);
    const label = warmup ? "warm-up" : `round ${i + (load.warmup ? 0 : 1)}/${load.rounds}`;
    context.progress(
      `${label}: ${Object.entries(values)
        .map(([name, value]) => `${name} ${formatNumber(value as number)}`)
        .join(", ")}`,
    );
    if (warmup) continue;
    for (const [name, value] of Object.entries(values) as [K, number][]) {
      (kept[name] ??= []).push(value);
    }
  }
  return kept;
}
