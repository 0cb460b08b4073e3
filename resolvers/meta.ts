import type { ProjectorState } from "../readmodels/projector-state";
import type { GraphQLContext } from "../schema/context";
import { memoized } from "../schema/context";

/** A view's freshness, read once per request per projector however many views ask. */
export function viewMeta(ctx: GraphQLContext, projector: string): Promise<ProjectorState> {
  return memoized(ctx, `meta:${projector}`, () =>
    ctx.services.projectorStates.read(projector, ctx.services.clock()),
  );
}
