import type { ProjectorState } from "../readmodels/projector-state";
import { builder } from "./builder";

export const FreshnessStatusEnum = builder.enumType("FreshnessStatus", {
  description: "How current a view is.",
  values: {
    LIVE: { value: "live", description: "The projector has applied everything in the log." },
    CATCHING_UP: { value: "catching_up", description: "Behind the log and moving." },
    REBUILDING: {
      value: "rebuilding",
      description: "Rebuilding from the start of the log; do not trust totals yet.",
    },
    STALLED: {
      value: "stalled",
      description: "Behind the log and not moving, or no projector is reporting.",
    },
    STOPPED: { value: "stopped", description: "Its projector was stopped on purpose." },
  } as const,
});

export const ViewMetaRef = builder.objectRef<ProjectorState>("ViewMeta").implement({
  description: "Freshness of a view, as data: where its projector is in the log and how far behind.",
  fields: (t) => ({
    projector: t.exposeString("projector"),
    generation: t.int({
      description:
        "The generation of the view its projector writes and readers read: 0 until the view's first rebuild, then one more per rebuild.",
      resolve: (state) => state.generation ?? 0,
    }),
    status: t.field({ type: FreshnessStatusEnum, resolve: (meta) => meta.status }),
    position: t.field({
      type: "Position",
      nullable: true,
      description: "The projector's checkpoint: every event up to here is in the view.",
      resolve: (meta) => meta.checkpoint,
    }),
    head: t.field({ type: "Position", nullable: true, resolve: (meta) => meta.head }),
    lagEvents: t.exposeInt("lagEvents"),
    lagMs: t.exposeInt("lagMs", {
      description: "Age of the oldest event not yet in the view (0 when live).",
    }),
    eventsPerSecond: t.exposeInt("eventsPerSecond"),
    parked: t.exposeInt("parked", {
      description: "Events set aside after failing; see the operations guide.",
    }),
    reportedAt: t.field({ type: "DateTime", nullable: true, resolve: (meta) => meta.reportedAt || null }),
  }),
});
