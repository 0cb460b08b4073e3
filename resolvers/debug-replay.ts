import { GraphQLError } from "graphql";
import { foldStored } from "../commands/aggregate";
import {
  aggregates,
  kindOfStream,
  type AggregateKind,
  type AnyAggregate,
} from "../commands/aggregates/index";
import type { RecordedEvent, Snapshot } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import { builder } from "../schema/builder";

type Kind = AggregateKind;

const AggregateKindEnum = builder.enumType("AggregateKind", {
  values: ["ACCOUNT", "ORDER", "PRODUCT", "TRANSFER"] as const,
});

interface Replay {
  readonly kind: Kind;
  readonly streamId: string;
  readonly state: unknown;
  readonly events: readonly RecordedEvent[];
  readonly shown: readonly RecordedEvent[];
  /** The snapshot the state was folded from (null: from the first event). */
  readonly snapshot: Snapshot | null;
}

const DebugSnapshotRef = builder.objectRef<Snapshot>("DebugSnapshot").implement({
  description: "The snapshot a replay started from: the state as of a revision, then the events after it.",
  authScopes: { admin: true },
  fields: (t) => ({
    revision: t.exposeInt("revision"),
    stateVersion: t.exposeInt("stateVersion"),
    takenAt: t.field({ type: "DateTime", resolve: (s) => s.takenAt.toISOString() }),
  }),
});

const DebugEventRef = builder.objectRef<RecordedEvent>("DebugEvent").implement({
  description: "One stored event, as the event store holds it (data before upcasting).",
  authScopes: { admin: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    revision: t.exposeInt("revision"),
    position: t.field({ type: "Position", resolve: (e) => formatPosition(e.position) }),
    type: t.exposeString("type"),
    schemaVersion: t.exposeInt("schemaVersion"),
    data: t.field({ type: "JSON", resolve: (e) => e.data }),
    metadata: t.field({ type: "JSON", resolve: (e) => e.metadata }),
    recordedAt: t.field({ type: "DateTime", resolve: (e) => e.recordedAt.toISOString() }),
  }),
});

const DebugReplayRef = builder.objectRef<Replay>("DebugReplay").implement({
  description:
    "An aggregate replayed from the EVENT STORE by its decider (`evolve` over its events), not read from Redis. " +
    "Compare `state` with the Redis views to find projection bugs.",
  authScopes: { admin: true },
  fields: (t) => ({
    source: t.string({
      description: 'Always "event store": this is the one query that does not read Redis.',
      resolve: () => "event store",
    }),
    aggregate: t.field({ type: AggregateKindEnum, resolve: (r) => r.kind }),
    streamId: t.exposeString("streamId"),
    revision: t.int({
      description: "Revision of the last event folded in (-1: no event yet at that point).",
      resolve: (r) => r.events.at(-1)?.revision ?? -1,
    }),
    position: t.field({
      type: "Position",
      nullable: true,
      resolve: (r) => {
        const last = r.events.at(-1);
        return last ? formatPosition(last.position) : null;
      },
    }),
    recordedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the last folded event was recorded.",
      resolve: (r) => r.events.at(-1)?.recordedAt.toISOString() ?? null,
    }),
    state: t.field({
      type: "JSON",
      description: "The decider's state after those events.",
      resolve: (r) => r.state,
    }),
    snapshot: t.field({
      type: DebugSnapshotRef,
      nullable: true,
      description:
        "The snapshot the state was folded from, then the events after it; null when it was folded from the first event " +
        "(no usable snapshot, one of another state shape, one after the point asked for, or `ignoreSnapshot`).",
      resolve: (r) => r.snapshot,
    }),
    eventCount: t.int({ resolve: (r) => r.events.length }),
    events: t.field({
      type: [DebugEventRef],
      description: "The events folded in, oldest first (the last `lastEvents` of them).",
      resolve: (r) => r.shown,
    }),
  }),
});

function requireKindOfStream(streamId: string): Kind {
  const kind = kindOfStream(streamId);
  if (kind) return kind;
  throw new GraphQLError(`"${streamId}" is not an account-, order- or product- stream`, {
    extensions: { code: "BAD_USER_INPUT" },
  });
}

builder.queryField("debugReplay", (t) =>
  t.field({
    type: DebugReplayRef,
    description:
      "Admin debug view, the one query that reads the EVENT STORE instead of Redis: replays one aggregate " +
      "(by `streamId`, or `aggregate` + `id`) up to `atRevision` and/or `atInstant`, and returns its state and events.",
    authScopes: { admin: true },
    args: {
      streamId: t.arg.string({ required: false }),
      aggregate: t.arg({ type: AggregateKindEnum, required: false }),
      id: t.arg.id({ required: false }),
      atRevision: t.arg.int({ required: false, description: "Fold events up to this revision (inclusive)." }),
      atInstant: t.arg({
        type: "DateTime",
        required: false,
        description: "Fold events recorded up to then.",
      }),
      lastEvents: t.arg.int({
        required: false,
        defaultValue: 100,
        description: "How many events to list (≤ 1000).",
      }),
      ignoreSnapshot: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: "Fold from the first event even when a snapshot could be used (to check the snapshot).",
      }),
    },
    resolve: async (_root, args, ctx) => {
      const bad = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
      let streamId: string;
      let kind: Kind;
      if (args.streamId) {
        streamId = args.streamId;
        kind = requireKindOfStream(streamId);
      } else if (args.aggregate && args.id) {
        kind = args.aggregate;
        // The id passed the schema's id rule (schema/input-guard.ts) before this ran.
        streamId = aggregates[kind].streamId(String(args.id));
      } else {
        throw bad('Give "streamId", or "aggregate" and "id"');
      }
      const lastEvents = args.lastEvents ?? 100;
      if (lastEvents < 0 || lastEvents > 1000) throw bad('"lastEvents" must be between 0 and 1000');
      const aggregate: AnyAggregate = aggregates[kind];
      const stored = await ctx.services.eventLog.readStream(
        streamId,
        args.atInstant ? { until: args.atInstant } : {},
      );
      const events = args.atRevision == null ? stored : stored.filter((e) => e.revision <= args.atRevision!);
      const last = events.at(-1)?.revision ?? -1;
      const found = args.ignoreSnapshot ? null : await ctx.services.eventLog.readSnapshot(streamId);
      // Usable when of today's state shape and not after the point asked for.
      const snapshot =
        found && found.stateVersion === aggregate.stateVersion && found.revision <= last ? found : null;
      const state = snapshot
        ? foldStored(
            aggregate,
            events.filter((e) => e.revision > snapshot.revision),
            snapshot.state,
          )
        : foldStored(aggregate, events);
      const shown = lastEvents === 0 ? [] : events.slice(-lastEvents);
      return { kind, streamId, state, events, shown, snapshot };
    },
  }),
);
