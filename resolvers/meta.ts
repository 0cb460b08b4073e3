import type { ProjectorState } from "../readmodels/projector-state";
import type { ViewModule } from "../readmodels/view";
import type { GraphQLContext } from "../schema/context";
import { memoized } from "../schema/context";

/** A view's freshness, read once per request per projector however many views ask. */
export function viewMeta(ctx: GraphQLContext, view: ViewModule): Promise<ProjectorState> {
  return memoized(ctx, `meta:${view.name}`, () =>
    ctx.services.projectorStates.read(view.name, ctx.services.clock()),
  );
}
