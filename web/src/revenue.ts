import uPlot from "uplot";
import { timeChart } from "./chart";
import type { Api } from "./client";
import { el, formatNumber, panel } from "./dom";

interface Figures {
  day: string | null;
  orders: number;
  revenue: { amount: string };
  refunds: { amount: string };
  /** Tax owed, apart: net revenue is revenue less refunds and tax. */
  tax: { amount: string };
  netRevenue: { amount: string };
}

const figures = "day orders revenue { amount } refunds { amount } tax { amount } netRevenue { amount }";

/** Revenue: the totals, live, and revenue per day over the last 31 days as a chart. */
export function revenuePanel(api: Api, currency = "USD"): HTMLElement {
  const { root, body } = panel("revenue", `Revenue (${currency})`);
  const nothingYet = () => el("p", { class: "muted" }, "No revenue yet.");
  const totals = el("div", { class: "totals" }, nothingYet());
  const today = el("p", { class: "today" });
  const chartBox = el("div", { class: "chart" });
  body.append(totals, today, chartBox);
  const chart = timeChart(
    chartBox,
    {
      label: "net revenue",
      stroke: "#2563eb",
      fill: "rgba(37,99,235,0.25)",
      paths: uPlot.paths.bars!({ size: [0.7, 40] }),
    },
    220,
  );

  const drawTotals = (total: Figures) => {
    // The live view's first push for a currency nothing was paid in is all zeros: say so instead.
    // (A refund or a tax correction needs a paid order first, so no paid order means no figures.)
    if (total.orders === 0) {
      totals.replaceChildren(nothingYet());
      return;
    }
    const cell = (label: string, value: string) =>
      el("div", { class: "total" }, el("span", {}, label), el("strong", {}, value));
    totals.replaceChildren(
      cell("revenue", total.revenue.amount),
      cell("refunds", total.refunds.amount),
      cell("tax", total.tax.amount),
      cell("net", total.netRevenue.amount),
      cell("orders paid", formatNumber(total.orders)),
    );
  };

  const drawDays = async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const answer = await api.request<{ revenue: { days: Figures[] } }>(
      `query($currency: String!, $from: String!, $to: String!) { revenue(currency: $currency) { days(from: $from, to: $to, first: 31) { ${figures} } } }`,
      { currency, from: day(from), to: day(to) },
    );
    const days = [...(answer.data?.revenue.days ?? [])].reverse();
    const todays = days.find((d) => d.day === day(to));
    today.textContent = todays
      ? `Today: ${todays.netRevenue.amount} net from ${formatNumber(todays.orders)} order(s) paid, ${todays.refunds.amount} refunded`
      : "Today: nothing paid yet";
    const data: uPlot.AlignedData = [
      days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
      days.map((d) => Number(d.netRevenue.amount)),
    ];
    chart.draw(data);
    chartBox.dataset.days = String(days.length);
  };

  let pending: ReturnType<typeof setTimeout> | null = null;
  api.live<{ revenueUpdated: { position: string; revenue: Figures } }>(
    `subscription($currency: String, $since: Position) { revenueUpdated(currency: $currency, since: $since) { position revenue { ${figures} } } }`,
    { currency },
    ({ revenueUpdated }) => {
      drawTotals(revenueUpdated.revenue);
      // A burst of changes redraws the chart once.
      pending ??= setTimeout(() => {
        pending = null;
        void drawDays();
      }, 300);
    },
    (data) => data.revenueUpdated.position,
  );
  return root;
}
