import type { Summary } from "./stats";

/** How a target is checked: on the ratio or on the value itself, against a bound. */
export interface Target {
  readonly text: string;
  readonly on: "ratio" | "value";
  readonly op: ">=" | "<=";
  readonly bound: number;
}

export interface Measured {
  readonly label: string;
  readonly unit: string;
  readonly summary: Summary;
}

/** One line of the table: a figure, the baseline measured beside it, their per-round ratio. */
export interface FigureRow {
  readonly id: string;
  readonly value: Measured;
  readonly baseline: Measured;
  /** Median and spread of value / baseline, computed round by round. */
  readonly ratio: Summary;
  /** Null: informational, no target set for this line. */
  readonly target: Target | null;
  readonly met: boolean | null;
  readonly notes: readonly string[];
}

export function row(fields: Omit<FigureRow, "met" | "notes"> & { notes?: readonly string[] }): FigureRow {
  const { target } = fields;
  let met: boolean | null = null;
  if (target) {
    const measured = target.on === "ratio" ? fields.ratio.median : fields.value.summary.median;
    met =
      Number.isFinite(measured) && (target.op === ">=" ? measured >= target.bound : measured <= target.bound);
  }
  return { ...fields, notes: fields.notes ?? [], met };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function spread(summary: Summary): string {
  return summary.samples.length > 1 ? ` [${formatNumber(summary.p25)}–${formatNumber(summary.p75)}]` : "";
}

function measured(m: Measured): string {
  return `${m.label}: ${formatNumber(m.summary.median)} ${m.unit}${spread(m.summary)}`;
}

/** The table as Markdown (readable in a terminal, pasted as is into the README). */
export function renderTable(rows: readonly FigureRow[]): string {
  const lines = [
    "| # | figure (median [IQR] over rounds) | baseline, same run | ratio | target | met? |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const met = r.met === null ? "—" : r.met ? "yes" : "**no**";
    lines.push(
      `| ${r.id} | ${measured(r.value)} | ${measured(r.baseline)} | ${formatNumber(r.ratio.median)}×${spread(r.ratio)} | ${r.target?.text ?? "—"} | ${met} |`,
    );
  }
  return lines.join("\n");
}
