import { GraphQLError } from "graphql";
import { taxCorrectionRule, type TaxCorrectionRule } from "../domain/ordering/tax-rule";
import { ValidationError } from "../domain/shared/errors";
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
  description: "A background job (BullMQ): snapshots, rebuilds, corrections. Failed jobs keep their error.",
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
  job: t.field({
    type: JobRef,
    nullable: true,
    description: "Admin: one job by its id (as a mutation that starts one answers): state, progress, result.",
    authScopes: { admin: true },
    args: { id: t.arg.string({ required: true }) },
    resolve: (_root, { id }, ctx) => {
      // BullMQ's job ids are text of our own making ("rebuild-…", numbers): anything longer is no id.
      if (id.length > 200) {
        throw new GraphQLError("A job id is at most 200 characters", {
          extensions: { code: "BAD_USER_INPUT", field: "id" },
        });
      }
      return ctx.services.jobs.get(id);
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

builder.mutationFields((t) => ({
  rebuildProjection: t.field({
    type: JobRef,
    description:
      "Admin: rebuilds a view from the whole log as a job, beside the live one; readers switch to " +
      "it in one step once it has caught up, and the old one is removed. Follow it with " +
      "`jobUpdated(id)`. Refused while a rebuild of the same view is running.",
    authScopes: { admin: true },
    args: {
      view: t.arg.string({ required: true, description: "A view's name, as `projections` lists it." }),
    },
    resolve: async (_root, { view }, ctx) => {
      try {
        const { jobId } = await ctx.services.rebuilds.start(view);
        const job = await ctx.services.jobs.get(jobId);
        if (!job) throw new Error(`the rebuild job ${jobId} vanished`);
        return job;
      } catch (error) {
        throw rebuildError(error);
      }
    },
  }),
  cancelRebuild: t.field({
    type: JobRef,
    nullable: true,
    description:
      "Admin: stops the view's rebuild; the live view stays as it is and what the rebuild built is " +
      "removed. Null when no rebuild of the view was running.",
    authScopes: { admin: true },
    args: { view: t.arg.string({ required: true }) },
    resolve: async (_root, { view }, ctx) => {
      try {
        const jobId = await ctx.services.rebuilds.cancel(view);
        return jobId === null ? null : await ctx.services.jobs.get(jobId);
      } catch (error) {
        throw rebuildError(error);
      }
    },
  }),
}));

builder.mutationField("correctTax", (t) =>
  t.field({
    type: JobRef,
    description:
      "Admin: applies a tax rule to past orders as a job: every paid order placed before `placedBefore` " +
      "(in `region`, or all) owes tax at `rate`, and each whose tax moves gets an OrderTaxRecalculated. " +
      "With `dryRun` nothing is appended: the job's result lists what would be, and the difference it " +
      "would make to tax and net revenue per currency and per day. Running the same rule again " +
      "appends nothing. Follow it with `jobUpdated(id)`; the report is the job's `result`.",
    authScopes: { admin: true },
    args: {
      rate: t.arg.string({ required: true, description: 'The new rate: "5%", "7.25%" or "725bp".' }),
      placedBefore: t.arg.string({
        required: true,
        description:
          'Orders placed before this: a day ("2026-11-01", its start in UTC) or an ISO-8601 instant.',
      }),
      region: t.arg.string({
        required: false,
        description: 'Only orders of this tax region ("US-CA", "DE").',
      }),
      dryRun: t.arg.boolean({ required: false, defaultValue: false }),
    },
    resolve: async (_root, args, ctx) => {
      let rule: TaxCorrectionRule;
      try {
        rule = taxCorrectionRule({
          rate: args.rate,
          placedBefore: args.placedBefore,
          region: args.region ?? null,
        });
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new GraphQLError(error.message, {
            extensions: { code: "BAD_USER_INPUT", field: error.field },
          });
        }
        throw error;
      }
      const jobId = await ctx.services.corrections.correctTax({ ...rule, dryRun: args.dryRun ?? false });
      const job = await ctx.services.jobs.get(jobId);
      if (!job) throw new Error(`the tax correction job ${jobId} vanished`);
      return job;
    },
  }),
);

/** Typed errors of the rebuild mutations: an unknown view, or one already being rebuilt. */
function rebuildError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === "UnknownView") {
    return new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT", field: "view" } });
  }
  if (error.name === "RebuildAlreadyRunning") {
    const { jobId } = error as Error & { jobId: string };
    return new GraphQLError(error.message, { extensions: { code: "REBUILD_ALREADY_RUNNING", jobId } });
  }
  return error;
}

builder.subscriptionField("jobUpdated", (t) =>
  t.field({
    type: JobRef,
    description:
      "Admin: a job (or, without `id`, every job) after each change, once each: state, progress, error. " +
      "Following one job ends once it has completed (a failed one is followed on: retryJob may run it again).",
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
