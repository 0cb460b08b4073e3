import { GraphQLError } from "graphql";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { ParkedEventRef } from "../schema/parked";

function requireProjector(ctx: GraphQLContext, projector: string): string {
  if (!ctx.services.projectorNames.includes(projector)) {
    throw new GraphQLError(
      `Unknown projector "${projector}"; known: ${ctx.services.projectorNames.join(", ")}`,
      {
        extensions: { code: "BAD_USER_INPUT" },
      },
    );
  }
  return projector;
}

function limitArg(value: number | null | undefined, max: number): number {
  const limit = value ?? 50;
  if (limit < 1 || limit > max) {
    throw new GraphQLError(`"limit" must be between 1 and ${max}`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  return limit;
}

// Operations views: parked events live with the consumer group in the event store, so these read
// the store, not Redis. Admin only.
builder.queryField("parkedEvents", (t) =>
  t.field({
    type: [ParkedEventRef],
    authScopes: { admin: true },
    description: "Admin: a projector's parked events, oldest first (from the event store's consumer group).",
    args: {
      projector: t.arg.string({ required: true }),
      limit: t.arg.int({ required: false, defaultValue: 50 }),
    },
    resolve: async (_root, args, ctx) => {
      const projector = requireProjector(ctx, args.projector);
      const parked = await ctx.services.admin.listParked(projector, limitArg(args.limit, 1000));
      return parked.map((p) => ({ ...p, projector }));
    },
  }),
);

builder.mutationField("replayParkedEvents", (t) =>
  t.field({
    type: "Int",
    authScopes: { admin: true },
    description:
      "Admin: puts up to `limit` parked events (oldest first) back in front of the projector, after a fix. Returns how many.",
    args: {
      projector: t.arg.string({ required: true }),
      limit: t.arg.int({ required: false, defaultValue: 100 }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.admin.replayParked(requireProjector(ctx, args.projector), limitArg(args.limit, 10_000)),
  }),
);

builder.mutationField("skipParkedEvent", (t) =>
  t.field({
    type: "Int",
    authScopes: { admin: true },
    description:
      "Admin: never apply this parked event. It is passed over as a no-op (its stream's guard advances) and the parked events up to it are replayed, so those parked behind it then apply in order. Returns how many were replayed.",
    args: { projector: t.arg.string({ required: true }), eventId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const replayed = await ctx.services.admin.skipParked(
        requireProjector(ctx, args.projector),
        String(args.eventId),
      );
      if (replayed === null) {
        throw new GraphQLError(`Event ${String(args.eventId)} is not parked for ${args.projector}`, {
          extensions: { code: "BAD_USER_INPUT" },
        });
      }
      return replayed;
    },
  }),
);
