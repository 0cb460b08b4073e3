import type { Api } from "./client";
import { el, formatNumber, panel } from "./dom";

interface ViewMeta {
  projector: string;
  generation: number;
  status: string;
  lagEvents: number;
  lagMs: number;
  parked: number;
  eventsPerSecond: number;
}

interface Job {
  id: string;
  kind: string;
  state: string;
  error: string | null;
  data: { view?: string } | null;
  progress: {
    done: number;
    total: number | null;
    ratePerSecond: number;
    etaSeconds: number | null;
    stage: string;
  } | null;
}

const jobFields = "id kind state error data progress { done total ratePerSecond etaSeconds stage }";

/**
 * Operations: every projector's status and lag, live; the jobs with progress bars; for admins a
 * button per view that starts a rebuild.
 */
export function operationsPanel(api: Api, isAdmin: boolean): HTMLElement {
  const { root, body } = panel("operations", "Operations");
  const views = el("tbody");
  const jobs = el("ul", { class: "jobs" });
  const notice = el("p", { class: "notice", role: "status" });
  body.append(
    el(
      "table",
      { class: "views" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["view", "gen", "status", "lag", "parked", "events/s", ""].map((h) => el("th", {}, h)),
        ),
      ),
      views,
    ),
    el("h3", {}, "Jobs"),
    jobs,
    notice,
  );

  const rows = new Map<string, HTMLTableRowElement>();
  api.live<{ projectionsUpdated: ViewMeta[] }>(
    `subscription { projectionsUpdated(everyMs: 1000) { projector generation status lagEvents lagMs parked eventsPerSecond } }`,
    {},
    ({ projectionsUpdated }) => {
      for (const meta of projectionsUpdated) {
        let row = rows.get(meta.projector);
        if (!row) {
          row = el("tr", { "data-view": meta.projector });
          rows.set(meta.projector, row);
          views.append(row);
        }
        const button = isAdmin ? el("button", { type: "button", class: "rebuild" }, "Rebuild") : "";
        if (button) button.addEventListener("click", () => void rebuild(api, meta.projector, notice));
        row.replaceChildren(
          el("td", {}, meta.projector),
          el(
            "td",
            { class: "generation", title: "generation: one more per rebuild" },
            String(meta.generation),
          ),
          el(
            "td",
            { class: `status status-${meta.status.toLowerCase()}` },
            meta.status.toLowerCase().replace("_", " "),
          ),
          el(
            "td",
            {},
            meta.lagEvents === 0
              ? "—"
              : `${formatNumber(meta.lagEvents)} ev, ${(meta.lagMs / 1000).toFixed(1)} s`,
          ),
          el("td", { class: meta.parked > 0 ? "warn" : "" }, String(meta.parked)),
          el("td", {}, formatNumber(meta.eventsPerSecond)),
          el("td", {}, button),
        );
      }
    },
  );

  if (isAdmin) {
    const items = new Map<string, HTMLLIElement>();
    const show = (job: Job) => {
      let item = items.get(job.id);
      if (!item) {
        item = el("li", { "data-job": job.id });
        items.set(job.id, item);
        jobs.prepend(item);
        while (jobs.children.length > 8) jobs.lastElementChild?.remove();
      }
      const p = job.progress;
      const bar = el("progress", {
        max: String(Math.max(1, p?.total ?? p?.done ?? 1)),
        value: String(p?.done ?? 0),
      });
      const what = job.kind === "rebuild" && job.data?.view ? `rebuild ${job.data.view}` : job.kind;
      const detail = p
        ? `${formatNumber(p.done)}${p.total !== null ? ` / ${formatNumber(p.total)}` : ""} · ${formatNumber(p.ratePerSecond)}/s${p.etaSeconds ? ` · ${p.etaSeconds} s left` : ""} · ${p.stage}`
        : "";
      item.className = `job job-${job.state.toLowerCase()}`;
      item.replaceChildren(
        el("span", { class: "job-name" }, what),
        el("span", { class: "job-state" }, job.state.toLowerCase()),
        bar,
        el("span", { class: "job-detail" }, job.error ?? detail),
      );
    };
    void api
      .request<{ jobs: { edges: { node: Job }[] } }>(`{ jobs(first: 8) { edges { node { ${jobFields} } } } }`)
      .then((answer) => {
        for (const edge of [...(answer.data?.jobs.edges ?? [])].reverse()) show(edge.node);
      });
    api.live<{ jobUpdated: Job }>(`subscription { jobUpdated { ${jobFields} } }`, {}, ({ jobUpdated }) =>
      show(jobUpdated),
    );
  } else {
    jobs.append(el("li", { class: "muted" }, "Jobs are shown to admins."));
  }
  return root;
}

async function rebuild(api: Api, view: string, notice: HTMLElement): Promise<void> {
  const answer = await api.request<{ rebuildProjection: { id: string } }>(
    `mutation($view: String!) { rebuildProjection(view: $view) { id } }`,
    { view },
  );
  notice.textContent = answer.errors?.length
    ? answer.errors[0]!.message
    : `Rebuilding ${view} (job ${answer.data!.rebuildProjection.id}); readers switch when it has caught up.`;
}
