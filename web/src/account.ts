import uPlot from "uplot";
import { timeChart } from "./chart";
import type { Api } from "./client";
import { el, panel } from "./dom";

interface Transaction {
  kind: string;
  amount: { amount: string };
  balanceAfter: { amount: string };
  at: string;
  userId: string | null;
  reference: string | null;
}

interface Account {
  id: string;
  ownerId: string;
  status: string;
  currency: string;
  openedAt: string;
  balance: { amount: string };
}

const accountFields = "id ownerId status currency openedAt balance { amount }";
const transactionFields = "kind amount { amount } balanceAfter { amount } at userId reference";

/**
 * One account: its balance live, its audit trail (who moved money and why), its balance over time
 * as a chart, and a time slider that reads the balance at any past instant from the read model
 * (`balanceAt`: the balance history in Redis, no replay).
 */
export function accountPanel(api: Api, initial = "alice-main"): HTMLElement {
  const { root, body } = panel("account", "Account");
  const input = el("input", {
    type: "text",
    value: initial,
    "aria-label": "account id",
    spellcheck: "false",
  });
  const form = el("form", { class: "account-form" }, input, el("button", { type: "submit" }, "Show"));
  const summary = el("div", { class: "account-summary" });
  const chartBox = el("div", { class: "chart" });
  const slider = el("input", {
    type: "range",
    min: "0",
    max: "1000",
    value: "1000",
    class: "slider",
    "aria-label": "instant",
  });
  const past = el("p", { class: "balance-at", role: "status" });
  const trail = el("tbody");
  body.append(
    form,
    summary,
    chartBox,
    el("label", { class: "slider-label" }, "Balance at an instant", slider),
    past,
    el(
      "table",
      { class: "transactions" },
      el(
        "thead",
        {},
        el("tr", {}, ...["when", "what", "amount", "balance", "who", "why"].map((h) => el("th", {}, h))),
      ),
      trail,
    ),
  );

  let stop: (() => void) | null = null;
  const chart = timeChart(
    chartBox,
    { label: "balance", stroke: "#15803d", paths: uPlot.paths.stepped!({ align: 1 }) },
    200,
  );
  let openedAt = 0;
  let accountId = initial;

  const drawTrail = async () => {
    const answer = await api.request<{
      account: { transactions: { edges: { node: Transaction }[] } } | null;
    }>(
      `query($id: ID!) { account(id: $id) { transactions(first: 100) { edges { node { ${transactionFields} } } } } }`,
      { id: accountId },
    );
    const moves = (answer.data?.account?.transactions.edges ?? []).map((e) => e.node);
    trail.replaceChildren(
      ...moves
        .slice(0, 20)
        .map((m) =>
          el(
            "tr",
            {},
            el("td", {}, new Date(m.at).toLocaleString()),
            el("td", {}, m.kind.toLowerCase()),
            el("td", { class: "number" }, m.amount.amount),
            el("td", { class: "number" }, m.balanceAfter.amount),
            el("td", {}, m.userId ?? "—"),
            el("td", {}, m.reference ?? "—"),
          ),
        ),
    );
    const series = [...moves].reverse();
    const data: uPlot.AlignedData = [
      series.map((m) => Date.parse(m.at) / 1000),
      series.map((m) => Number(m.balanceAfter.amount)),
    ];
    chart.draw(data);
    chartBox.dataset.points = String(series.length);
    chartBox.dataset.last = series.at(-1)?.balanceAfter.amount ?? "";
  };

  let pendingAt: ReturnType<typeof setTimeout> | null = null;
  const readPast = () => {
    if (pendingAt) clearTimeout(pendingAt);
    pendingAt = setTimeout(async () => {
      const now = Date.now();
      const at = new Date(openedAt + ((now - openedAt) * Number(slider.value)) / 1000);
      const answer = await api.request<{ account: { balanceAt: { amount: string } | null } | null }>(
        `query($id: ID!, $at: DateTime!) { account(id: $id) { balanceAt(at: $at) { amount } } }`,
        { id: accountId, at: at.toISOString() },
      );
      const balance = answer.data?.account?.balanceAt?.amount;
      past.textContent = `On ${at.toLocaleString()}: ${balance ?? "not open yet"}`;
      past.dataset.at = at.toISOString();
      past.dataset.balance = balance ?? "";
    }, 120);
  };
  slider.addEventListener("input", readPast);

  const show = (id: string) => {
    stop?.();
    accountId = id;
    summary.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    trail.replaceChildren();
    let loaded = false;
    stop = api.live<{ accountUpdated: { position: string; account: Account } }>(
      `subscription($id: ID!, $since: Position) { accountUpdated(id: $id, since: $since) { position account { ${accountFields} } } }`,
      { id },
      ({ accountUpdated: { account } }) => {
        openedAt = Date.parse(account.openedAt);
        summary.replaceChildren(
          el("strong", { class: "balance" }, `${account.balance.amount} ${account.currency}`),
          el("span", { class: "muted" }, ` ${account.status.toLowerCase()} · owner ${account.ownerId}`),
        );
        void drawTrail();
        if (!loaded) {
          loaded = true;
          readPast();
        }
      },
      (data) => data.accountUpdated.position,
      (message) => summary.replaceChildren(el("p", { class: "notice" }, `${id}: ${message}`)),
    );
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) show(input.value.trim());
  });
  show(initial);
  return root;
}
