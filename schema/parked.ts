import type { ParkedEvent } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import { builder } from "./builder";

export const ParkedEventRef = builder
  .objectRef<ParkedEvent & { projector: string }>("ParkedEvent")
  .implement({
    authScopes: { admin: true },
    description:
      "An event a projector set aside after it failed (or while an earlier event of its stream was parked).",
    fields: (t) => ({
      projector: t.exposeString("projector"),
      eventId: t.id({ resolve: (p) => p.event.id }),
      streamId: t.string({ resolve: (p) => p.event.streamId }),
      revision: t.int({ resolve: (p) => p.event.revision }),
      type: t.string({ resolve: (p) => p.event.type }),
      position: t.field({ type: "Position", resolve: (p) => formatPosition(p.event.position) }),
      correlationId: t.string({ nullable: true, resolve: (p) => p.event.metadata.correlationId ?? null }),
      reason: t.exposeString("reason", { description: "The error, or what it waits behind." }),
      attempts: t.exposeInt("attempts"),
      parkedAt: t.field({ type: "DateTime", resolve: (p) => p.parkedAt.toISOString() }),
    }),
  });
