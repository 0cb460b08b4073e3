import { GraphQLError } from "graphql";
import type { ProjectorState } from "../readmodels/projector-state";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { ViewMetaRef } from "../schema/meta";

/** Every projector's state now, then every `everyMs`, until the client leaves. */
async function* projectorStates(ctx: GraphQLContext, everyMs: number): AsyncGenerator<ProjectorState[]> {
  for (;;) {
    yield await ctx.services.projectorStates.readMany(ctx.services.projectorNames, ctx.services.clock());
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

builder.subscriptionField("projectionsUpdated", (t) =>
  t.field({
    type: [ViewMetaRef],
    description:
      "Admin: every projector's checkpoint, lag, throughput, parked count and status, pushed periodically.",
    authScopes: { admin: true },
    args: { everyMs: t.arg.int({ required: false, defaultValue: 1000 }) },
    subscribe: (_root, args, ctx) => {
      const everyMs = args.everyMs ?? 1000;
      if (everyMs < 250 || everyMs > 60_000) {
        throw new GraphQLError('"everyMs" must be between 250 and 60000', {
          extensions: { code: "BAD_USER_INPUT" },
        });
      }
      return projectorStates(ctx, everyMs);
    },
    resolve: (states) => states,
  }),
);
