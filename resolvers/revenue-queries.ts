import { GraphQLError } from "graphql";
import type { RevenueView } from "../readmodels/revenue";
import { builder } from "../schema/builder";
import { ViewMetaRef } from "../schema/meta";
import { RevenueFiguresRef } from "../schema/revenue";
import { currencyArg } from "./currency-arg";
import { viewMeta } from "./meta";
import { revenueView } from "../readmodels/revenue";
import { reads } from "./reads";

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

function requireDay(value: string, field: string): string {
  if (!dayPattern.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new GraphQLError(`"${field}" must be a date like 2026-01-31`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  return value;
}

const RevenueRef = builder.objectRef<{ currency: string; total: RevenueView }>("Revenue").implement({
  description: "The revenue dashboard for one currency.",
  fields: (t) => ({
    currency: t.exposeString("currency"),
    total: t.field({ type: RevenueFiguresRef, resolve: (r) => r.total }),
    days: t.field({
      type: [RevenueFiguresRef],
      description: "Days with activity, newest first.",
      args: {
        from: t.arg.string({ required: true }),
        to: t.arg.string({ required: true }),
        first: t.arg.int({ required: false, defaultValue: 31 }),
      },
      resolve: (r, args, ctx) => {
        const first = args.first ?? 31;
        if (first < 1 || first > 366) {
          throw new GraphQLError('"first" must be between 1 and 366', {
            extensions: { code: "BAD_USER_INPUT" },
          });
        }
        return ctx.services.views.revenue.days(
          r.currency,
          requireDay(args.from, "from"),
          requireDay(args.to, "to"),
          first,
        );
      },
    }),
    meta: t.field({ type: ViewMetaRef, resolve: (_r, _args, ctx) => viewMeta(ctx, revenueView) }),
  }),
});

builder.queryField("revenue", (t) =>
  t.field({
    ...reads(revenueView),
    type: RevenueRef,
    description:
      "Staff: revenue, order count, refunds and average order value, in total and per day, from Redis.",
    authScopes: { staff: true },
    args: { currency: t.arg.string({ required: false, defaultValue: "USD" }) },
    resolve: async (_root, args, ctx) => {
      const currency = currencyArg(args.currency);
      return { currency, total: await ctx.services.views.revenue.total(currency) };
    },
  }),
);
