import { GraphQLError, Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import { comparePositions, parsePosition } from "../eventstore/position";
import type { Position } from "../eventstore/port";
import type { ProjectorState } from "../readmodels/projector-state";
import { builder, QueryRef } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { viewsReadByField } from "./reads";
import { timeoutArg, waitFor } from "./waiting";

/** The projectors serving the fields selected under `atPosition` (fragments followed). */
function projectorsAsked(info: GraphQLResolveInfo, known: readonly string[]): string[] {
  // Which views each field reads, as the fields declare it (`reads(...)` in their options).
  const readBy = viewsReadByField(info.schema);
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        // A nested atPosition waits for itself.
        if (selection.name.value === "atPosition") continue;
        for (const name of readBy.get(selection.name.value) ?? []) names.add(name);
        visit(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        visit(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  const asked = known.filter((name) => names.has(name));
  return asked.length > 0 ? asked : [...known];
}

/**
 * Whether a projector's views include everything up to `target`. Exact when its checkpoint has
 * reached it (the checkpoint is written in the same Lua step as the views). A projector whose
 * filter never takes the event at `target` never moves its checkpoint there; it has passed
 * `target` when a report that began after the wait began saw it live with no lag and a log head
 * at or beyond `target` (a report started later also started after the write was committed).
 */
function hasPassed(
  checkpoint: string | null,
  state: ProjectorState | undefined,
  target: Position,
  waitStarted: number,
): boolean {
  if (checkpoint && comparePositions(parsePosition(checkpoint), target) >= 0) return true;
  if (!state?.head || state.status !== "live" || state.lagEvents !== 0) return false;
  return (
    Date.parse(state.reportedAt) >= waitStarted && comparePositions(parsePosition(state.head), target) >= 0
  );
}

builder.queryField("atPosition", (t) =>
  t.field({
    type: QueryRef,
    description:
      "Read your own writes: answers the fields inside only once the views they read include every event up to `position` " +
      "(a mutation's `position`). Waits at most `timeoutMs` (≤ 30000), then fails with POSITION_NOT_REACHED; the write itself is safe either way.",
    authScopes: { authenticated: true },
    args: {
      position: t.arg({ type: "Position", required: true }),
      timeoutMs: t.arg.int({ required: false, defaultValue: 5000 }),
    },
    resolve: async (_root, args, ctx: GraphQLContext, info) => {
      const timeoutMs = timeoutArg(args.timeoutMs);
      const target = parsePosition(args.position);
      const projectors = projectorsAsked(info, ctx.services.projectorNames);
      const waitStarted = Date.now();
      let behind: { projector: string; checkpoint: string | null }[] = [];
      await waitFor(
        async () => {
          const [checkpoints, states] = await Promise.all([
            ctx.services.checkpoints.read(projectors),
            ctx.services.projectorStates.readMany(projectors, ctx.services.clock()),
          ]);
          behind = projectors
            .map((projector, i) => ({ projector, checkpoint: checkpoints[i] ?? null, state: states[i] }))
            .filter((p) => !hasPassed(p.checkpoint, p.state, target, waitStarted))
            .map(({ projector, checkpoint }) => ({ projector, checkpoint }));
          return behind.length === 0 ? true : null;
        },
        timeoutMs,
        () =>
          new GraphQLError(
            `The views did not reach position ${args.position} within ${timeoutMs} ms (behind: ${behind
              .map((b) => `${b.projector} at ${b.checkpoint ?? "start"}`)
              .join(", ")}). The write is stored; retry, or allow a longer timeoutMs.`,
            { extensions: { code: "POSITION_NOT_REACHED", position: args.position, timeoutMs, behind } },
          ),
      );
      return {};
    },
  }),
);
