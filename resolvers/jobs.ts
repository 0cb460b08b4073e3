import { GraphQLError } from "graphql";
import type { JobScheduleView, JobState, JobView } from "../jobs/admin";
import { builder } from "../schema/builder";
import { offsetConnection } from "../schema/connection";
import { pageWindow } from "../schema/connection";

const JobStateEnum = builder.enumType("JobState", {
  values: [
    "WAITING",
    "ACTIVE",
    "DELAYED",
    "COMPLETED",
    "FAILED",
    "PRIORITIZED",
    "PAUSED",
    "UNKNOWN",
  ] as const,
});

const JobProgressRef = builder.objectRef<NonNullable<JobView["progress"]>>("JobProgress").implement({
  description: "How far a job is: units done (events), of how many, at what rate, and the time left.",
  fields: (t) => ({
    done: t.exposeInt("done"),
    total: t.exposeInt("total", { nullable: true }),
    ratePerSecond: t.exposeInt("ratePerSecond"),
    etaSeconds: t.exposeInt("etaSeconds", { nullable: true }),
    stage: t.exposeString("stage"),
  }),
});

const JobRef = builder.objectRef<JobView>("Job").implement({
  description: "A background job (BullMQ): snapshots, rebuilds. Failed jobs keep their error.",
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.exposeString("kind"),
    state: t.field({
      type: JobStateEnum,
      resolve: (job) => job.state.toUpperCase() as never,
    }),
    progress: t.field({ type: JobProgressRef, nullable: true, resolve: (job) => job.progress }),
    attempts: t.exposeInt("attempts"),
    error: t.exposeString("error", { nullable: true }),
    data: t.field({ type: "JSON", nullable: true, resolve: (job) => job.data }),
    result: t.field({ type: "JSON", nullable: true, resolve: (job) => job.result }),
    createdAt: t.field({ type: "DateTime", resolve: (job) => job.createdAt.toISOString() }),
    startedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (job) => job.startedAt?.toISOString() ?? null,
    }),
    finishedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (job) => job.finishedAt?.toISOString() ?? null,
    }),
  }),
});

const JobScheduleRef = builder.objectRef<JobScheduleView>("JobSchedule").implement({
  description: "A repeatable job and its next run.",
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.exposeString("kind"),
    everyMs: t.exposeInt("everyMs", { nullable: true }),
    pattern: t.exposeString("pattern", { nullable: true }),
    nextRunAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (s) => s.nextRunAt?.toISOString() ?? null,
    }),
  }),
});

const JobConnection = offsetConnection<JobView>("Job", JobRef);

builder.queryFields((t) => ({
  jobs: t.field({
    type: JobConnection,
    description: "Admin: background jobs, newest first, by state (all states when none is given).",
    authScopes: { admin: true },
    args: {
      state: t.arg({ type: JobStateEnum, required: false }),
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const { offset, limit } = pageWindow(args);
      const state = args.state ? (args.state.toLowerCase() as JobState) : null;
      const page = await ctx.services.jobs.list(state, offset, limit);
      return { items: page.items, offset, total: page.total };
    },
  }),
  jobSchedules: t.field({
    type: [JobScheduleRef],
    description: "Admin: the repeatable jobs (the snapshot sweep) with their next run.",
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => ctx.services.jobs.schedules(),
  }),
}));

builder.mutationField("retryJob", (t) =>
  t.field({
    type: JobRef,
    description: "Admin: runs a failed job again.",
    authScopes: { admin: true },
    // BullMQ's job ids ("repeat:snapshot-sweep:…") are not entity ids: a string, checked as text.
    args: { id: t.arg.string({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      try {
        const job = await ctx.services.jobs.retry(String(id));
        if (!job) throw new GraphQLError(`No job ${id}`, { extensions: { code: "NOT_FOUND" } });
        return job;
      } catch (error) {
        if (error instanceof Error && error.name === "JobNotRetryable") {
          throw new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT", field: "id" } });
        }
        throw error;
      }
    },
  }),
);

builder.subscriptionField("jobUpdated", (t) =>
  t.field({
    type: JobRef,
    description: "Admin: a job (or, without `id`, every job) after each change: state, progress, error.",
    authScopes: { admin: true },
    args: { id: t.arg.string({ required: false }) },
    subscribe: (_root, { id }, ctx) => {
      const stop = new AbortController();
      const changes = ctx.services.jobs.watch(id ? String(id) : null, stop.signal);
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        next: () => changes.next(),
        async return() {
          stop.abort();
          await changes.return(undefined);
          return { value: undefined, done: true as const };
        },
      } as AsyncIterableIterator<JobView>;
    },
    resolve: (job) => job,
  }),
);
