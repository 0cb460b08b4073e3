import type { CommandResult } from "../commands/result";
import { builder } from "../schema/builder";

/** What a catalog or order command did; `events` names what happened (e.g. OrderRejected). */
export const ChangeRef = builder.objectRef<CommandResult>("Change").implement({
  description:
    "What a command did. `position` is the commit position of its last event: pass it to a query to read your own write.",
  fields: (t) => ({
    id: t.exposeID("aggregateId"),
    revision: t.exposeInt("revision"),
    position: t.field({ type: "Position", nullable: true, resolve: (c) => c.position }),
    events: t.exposeStringList("eventTypes", { description: "Types of the events appended, in order." }),
    eventIds: t.exposeIDList("eventIds"),
    replayed: t.exposeBoolean("replayed", {
      description: "True when this is the stored answer to an earlier request with the same idempotency key.",
    }),
  }),
});

export const idempotencyKeyField = {
  description:
    "Send the same key again (e.g. after a timeout) to get the first answer back without a second effect.",
} as const;
